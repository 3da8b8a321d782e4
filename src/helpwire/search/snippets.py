"""Snippets: ~200 characters of the original text around the first matching word.

Highlighting runs the same ``normalize`` rules over the original words, so "зарплату" in
the text is marked for the query "зарплаты" exactly when the index matched it. Everything
is escaped first and only our own ``<mark>`` tags are added: message text can contain
anything a client typed, ``<script>`` included.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from helpwire.search.normalize import WORD_RE, word_terms
from helpwire.tickets.models import Message

WIDTH = 200
LEAD = 60  # characters shown before the first match
_SPACES = re.compile(r"\s+")
ELLIPSIS = "…"


def _nfc(text: str) -> str:
    return text if unicodedata.is_normalized("NFC", text) else unicodedata.normalize("NFC", text)


def _matches(word: str, terms: frozenset[str]) -> bool:
    return not terms.isdisjoint(word_terms(word))


def _piece(text: str) -> str:
    return str(escape(_SPACES.sub(" ", text)))


def highlight(text: str, terms: frozenset[str], *, width: int = WIDTH) -> SafeString | None:
    """The escaped window of ``text`` around its first match with marks, or None."""
    text = _nfc(text)
    first = next((m for m in WORD_RE.finditer(text) if _matches(m.group(), terms)), None)
    if first is None:
        return None
    start = max(0, first.start() - LEAD)
    if start:
        space = text.find(" ", start, first.start())
        start = space + 1 if space != -1 else start
    end = min(len(text), start + width)
    if end < len(text):
        space = text.rfind(" ", first.end(), end)
        end = space if space != -1 else max(end, first.end())
    return mark_safe(_marked(text, terms, start, end))  # noqa: S308 - every piece is escaped


def _marked(text: str, terms: frozenset[str], start: int, end: int) -> str:
    out = [ELLIPSIS] if start else []
    pos = start
    for m in WORD_RE.finditer(text, start, end):
        if _matches(m.group(), terms):
            out += [_piece(text[pos:m.start()]), "<mark>", _piece(m.group()), "</mark>"]
            pos = m.end()
    out.append(_piece(text[pos:end]))
    if end < len(text):
        out.append(ELLIPSIS)
    return "".join(out).strip()


def plain(text: str, *, width: int = WIDTH) -> SafeString:
    """The start of a text, escaped (for hits by number or contact)."""
    text = _SPACES.sub(" ", _nfc(text)).strip()
    if len(text) > width:
        cut = text.rfind(" ", 0, width)
        text = text[:cut if cut > 0 else width] + ELLIPSIS
    return mark_safe(escape(text))  # noqa: S308 - escaped just now


def for_tickets(tickets: Iterable[tuple[int, str]], terms: Iterable[str]) -> dict[int, SafeString]:
    """A snippet per (ticket id, subject): the first message with a match, else the
    subject with its matches, else the start of the first message, else the subject."""
    wanted = frozenset(terms)
    subjects = dict(tickets)
    found: dict[int, SafeString] = {}
    first_text: dict[int, str] = {}
    ids: Sequence[int] = list(subjects)
    messages = (Message.objects.filter(ticket_id__in=ids)
                .order_by("ticket_id", "created_at", "id")
                .values_list("ticket_id", "body_text"))
    for ticket_id, body in messages:  # a page of hits: small, and no server-side cursor
        if ticket_id in found or not body:
            continue
        first_text.setdefault(ticket_id, body)
        if wanted:
            snippet = highlight(body, wanted)
            if snippet is not None:
                found[ticket_id] = snippet
    for ticket_id, subject in subjects.items():
        if ticket_id in found:
            continue
        snippet = highlight(subject, wanted) if wanted and subject else None
        if snippet is None:
            snippet = plain(first_text.get(ticket_id) or subject)
        found[ticket_id] = snippet
    return found
