"""Turning a mail's bytes into text when its charset is missing or lies.

Russian mail still arrives as raw 8-bit windows-1251 or koi8-r with no charset, or with
one that does not match (a competitor stalled every later import on one such message).
The declared charset is trusted when the bytes decode under it and the result reads as
text; otherwise the candidates are scored and the choice is recorded on the message.
"""

from __future__ import annotations

import codecs
import re

# Letters that make up most of Russian running text; mis-decoded text has few of them.
_COMMON_RU = set("оеаинтсрвлкмдпуяызьбгчйхжшюцщэф")
# Codec names as ``codecs.lookup`` spells them.
_LATIN_SINGLE_BYTE = {"iso8859-1", "latin-1", "cp1252", "ascii", "iso8859-15"}
_CANDIDATES = ("utf-8", "cp1251", "koi8-r", "iso8859-1")
_LABELS = {"cp1251": "windows-1251", "iso8859-1": "iso-8859-1", "ascii": "us-ascii"}
_WORD = re.compile(r"[^\W\d_]+")


def canonical(charset: str | None) -> str | None:
    """The codec's name, or None for a missing or unknown charset."""
    if not charset:
        return None
    name = charset.strip().strip('"').lower()
    aliases = {"cp-1251": "windows-1251", "win-1251": "windows-1251", "x-cp1251": "windows-1251",
               "koi8r": "koi8-r", "utf8": "utf-8", "unicode-1-1-utf-7": "utf-7"}
    name = aliases.get(name, name)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def score(text: str) -> float:
    """How much this reads like real text: frequent lowercase Russian letters and plain
    ASCII words count for it; words mixing scripts, control characters and a pile of
    accented Latin letters (Ã, Ð, Ñ: cp1251 read as Latin-1) count against it."""
    if not text:
        return 0.0
    points = 0.0
    for word in _WORD.findall(text):
        cyr = sum(1 for ch in word if "\u0400" <= ch <= "\u04ff")
        if cyr and cyr != len(word):
            points -= 3 * len(word)  # "nгo": Portuguese read as cp1251
        elif cyr:
            points += sum(1 for ch in word if ch in _COMMON_RU)
            points -= 0.5 * sum(1 for ch in word if ch.isupper()) if len(word) > 1 else 0
        else:
            accented = sum(1 for ch in word if not ch.isascii())
            points += len(word) - accented - (2 * accented if accented * 3 > len(word) else 0)
    points -= 5 * sum(1 for ch in text if ord(ch) < 32 and ch not in "\r\n\t")
    points -= 5 * sum(1 for ch in text if "\x80" <= ch <= "\x9f")
    return points / max(len(text), 1)


def decode(data: bytes, declared: str | None) -> tuple[str, str]:
    """The text, and "" or a note of the fallback taken (kept on the message)."""
    charset = canonical(declared)
    if data.isascii():
        return data.decode("ascii"), ""
    if charset and charset not in _LATIN_SINGLE_BYTE and charset != "utf-7":
        try:
            text = data.decode(charset)
        except UnicodeDecodeError:
            text = None
        if text is not None and not _suspicious(text, charset, data):
            return text, ""
    best, best_score = "", float("-inf")
    chosen = ""
    for candidate in ((charset,) if charset else ()) + _CANDIDATES:
        try:
            text = data.decode(candidate)
        except UnicodeDecodeError:
            continue
        # UTF-8 that decodes strictly is almost never an accident.
        value = score(text) + (1.0 if candidate == "utf-8" else 0.0)
        if value > best_score:
            best, best_score, chosen = text, value, candidate
    if chosen == charset:
        return best, ""
    if not best:
        return data.decode("utf-8", errors="replace"), _note("utf-8", declared, lossy=True)
    return best, _note(chosen, declared)


def _suspicious(text: str, charset: str, data: bytes) -> bool:
    """A single-byte Cyrillic charset that decodes but reads wrong: koi8-r bytes declared
    as windows-1251 come out in capitals, and the other way round."""
    if charset not in ("cp1251", "koi8-r"):
        return False
    other = "koi8-r" if charset == "cp1251" else "cp1251"
    try:
        alt = data.decode(other)
    except UnicodeDecodeError:
        return False
    return score(alt) > score(text) + 0.05


def _note(chosen: str, declared: str | None, *, lossy: bool = False) -> str:
    said = declared or "none"
    lost = ", undecodable bytes replaced" if lossy else ""
    return f"{_LABELS.get(chosen, chosen)} (declared: {said}){lost}"
