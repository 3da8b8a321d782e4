"""The Russian UI: every message of the gettext catalogue is translated, and it is used."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

from django.utils import translation

import helpwire
from helpwire.tickets.models import Priority, Status

LOCALE = Path(helpwire.__file__).resolve().parent / "locale"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


@dataclass
class Entry:
    flags: set[str] = field(default_factory=set)
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)


def parse_po(path: Path) -> list[Entry]:
    """A minimal .po reader: flags, msgid, msgid_plural and msgstr[n]; obsolete entries
    (``#~``) are skipped."""
    entries: list[Entry] = []
    entry = Entry()
    target: tuple[str, int] | None = None

    def finish() -> None:
        nonlocal entry, target
        if target is not None:
            entries.append(entry)
        entry, target = Entry(), None

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#~"):
            continue
        if line.startswith("#"):
            if target is not None and target[0] == "msgstr":
                finish()
            if line.startswith("#,"):
                entry.flags.update(f.strip() for f in line[2:].split(","))
            continue
        keyword, _, rest = line.partition(" ")
        if line.startswith('"'):
            assert target is not None, f"stray string in {path}: {raw}"
            value = ast.literal_eval(line)
        else:
            value = ast.literal_eval(rest)
            if keyword in ("msgid", "msgctxt") and target is not None and target[0] == "msgstr":
                finish()
            if keyword.startswith("msgstr["):
                target = ("msgstr", int(keyword[7:-1]))
            elif keyword in ("msgid", "msgid_plural", "msgstr", "msgctxt"):
                target = (keyword, 0)
            else:
                raise AssertionError(f"unexpected line in {path}: {raw}")
        name, index = target
        if name == "msgid":
            entry.msgid += value
        elif name == "msgid_plural":
            entry.msgid_plural = (entry.msgid_plural or "") + value
        elif name == "msgstr":
            entry.msgstr[index] = entry.msgstr.get(index, "") + value
    finish()
    return entries


def test_it_ships_a_complete_russian_catalogue():
    header, *entries = parse_po(LOCALE / "ru" / "LC_MESSAGES" / "django.po")

    assert header.msgid == ""
    assert "fuzzy" not in header.flags
    assert "Language: ru\n" in header.msgstr[0]
    assert "charset=UTF-8" in header.msgstr[0]
    assert "nplurals=3;" in header.msgstr[0]
    assert len(entries) > 100
    untranslated = [e.msgid for e in entries if not e.msgstr or not all(e.msgstr.values())]
    assert untranslated == []
    assert [e.msgid for e in entries if "fuzzy" in e.flags] == []
    for entry in entries:
        if entry.msgid_plural is not None:
            assert sorted(entry.msgstr) == [0, 1, 2], entry.msgid
        for text in entry.msgstr.values():
            # Same placeholders (plural forms may drop the number, never invent one).
            expected = set(PLACEHOLDER.findall(entry.msgid + (entry.msgid_plural or "")))
            assert set(PLACEHOLDER.findall(text)) <= expected, entry.msgid
            if entry.msgid_plural is None:
                assert set(PLACEHOLDER.findall(text)) == expected, entry.msgid


def test_it_keeps_english_as_the_source_language():
    header, *entries = parse_po(LOCALE / "en" / "LC_MESSAGES" / "django.po")

    assert "Language: en\n" in header.msgstr[0]
    assert "charset=UTF-8" in header.msgstr[0]
    assert entries


def test_it_translates_statuses_to_russian():
    with translation.override("ru"):
        assert str(Status.NEW.label) == "новый"
        assert str(Status.PENDING.label) == "в ожидании"
        assert str(Status.ON_HOLD.label) == "на удержании"
        assert str(Status.SOLVED.label) == "решён"
        assert str(Priority.EXTREME.label) == "экстренный"
    with translation.override("en"):
        assert str(Status.PENDING.label) == "pending"


def test_it_marks_strings_only_under_names_makemessages_extracts():
    """makemessages reads ``_``, ``gettext``, ``gettext_lazy``, ``pgettext…``: a string
    marked through another alias (``gettext_lazy as _l``) never reaches the catalogue and
    shows in English."""
    extracted = {"_", "gettext", "gettext_lazy", "gettext_noop", "ngettext", "ngettext_lazy",
                 "pgettext", "pgettext_lazy", "npgettext", "npgettext_lazy"}
    bad = []
    for path in Path(helpwire.__file__).resolve().parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module == "django.utils.translation":
                bad += [f"{path.name}: {a.name} as {a.asname}" for a in node.names
                        if a.asname and a.asname not in extracted]
    assert not bad
