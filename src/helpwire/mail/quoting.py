"""Where a reply's new words end and the quoted history (or the signature) begins.

Each mail program marks it its own way: Gmail's ``gmail_quote`` and "On …, X wrote:",
Outlook's ``divRplyFwdMsg``, "-----Original Message-----" and the Russian "От: …
Отправлено: …" block, Apple Mail's and Thunderbird's ``blockquote type=cite``, Yandex's
"02.12.2026, 10:15, "Имя" <…>:", Mail.ru's "… от Имя <…>:", "Имя пишет:". The history
is kept (wrapped in a ``<blockquote>``, which the workspace folds away), never deleted.
"""

from __future__ import annotations

import re

from helpwire.conversations.sanitize import clean_html, html_to_text

_HEADER_LINES = [
    re.compile(r"^-{2,}\s*(original message|исходное сообщение)\s*-{2,}", re.I),
    re.compile(r"^(on|le|am|em|el)\s.{4,300}(wrote|a écrit|schrieb|escreveu|escribió)\s*:\s*$",
               re.I),
    re.compile(r"^.{0,300}\s(пишет|написал|написала|написал\(а\)|писал|писала)\s*:\s*$", re.I),
    # Yandex: 02.12.2026, 10:15, "Имя" <a@yandex.ru>:
    re.compile(r"^\d{1,2}\.\d{1,2}\.\d{2,4},?\s+\d{1,2}:\d{2},.{0,200}:\s*$"),
    # Mail.ru: Понедельник, 2 декабря 2026, 10:15 +03:00 от Имя <a@mail.ru>:
    re.compile(r"^.{0,60}\d{4},?\s+\d{1,2}:\d{2}.{0,20}\sот\s.{1,200}:\s*$", re.I),
    # Gmail in Russian: пн, 2 дек. 2026 г. в 10:15, Имя <a@gmail.com>:
    re.compile(r"^.{0,40}\d{4}\s*г\.\s*в\s*\d{1,2}:\d{2},.{1,200}:\s*$", re.I),
]
# Outlook's plain block: a From line, then Sent/Date within a few lines.
_FROM_LINE = re.compile(r"^\s*\*?(from|от|de)\s*:\*?\s*\S", re.I)
_SENT_LINE = re.compile(r"^\s*\*?(sent|date|отправлено|дата|enviado|data)\s*:", re.I)
_SIGNATURE = re.compile(r"^-- ?$")


def _is_header(lines: list[str], i: int) -> bool:
    line = lines[i].strip()
    # Gmail wraps a long "On …, X <a@b> wrote:" over two lines.
    joined = f"{line} {lines[i + 1].strip()}" if i + 1 < len(lines) else line
    if any(p.search(line) or p.search(joined) for p in _HEADER_LINES):
        return True
    return bool(_FROM_LINE.match(line)) and any(
        _SENT_LINE.match(n) for n in lines[i + 1:i + 5])


def split_text(text: str) -> tuple[str, str]:
    """(new words, quoted history and signature) of a plain-text body."""
    lines = text.splitlines()
    cut = None
    for i, line in enumerate(lines):
        if _SIGNATURE.match(line) or _is_header(lines, i):
            cut = i
            break
        if line.startswith(">") and all(
                not rest.strip() or rest.startswith(">") for rest in lines[i:]):
            cut = i
            break
    if cut is None:
        return text.strip(), ""
    return "\n".join(lines[:cut]).strip(), "\n".join(lines[cut:]).strip()


_HTML_MARKERS = [
    re.compile(r'<div[^>]*class="[^"]*\bgmail_quote', re.I),
    re.compile(r'<div[^>]*id="?divRplyFwdMsg', re.I),
    re.compile(r'<div[^>]*class="[^"]*\bmoz-cite-prefix', re.I),
    re.compile(r'<div[^>]*style="[^"]*border-top:\s*solid\s*#[0-9a-f]{6}', re.I),
    re.compile(r"-{3,}\s*(original message|исходное сообщение)\s*-{3,}", re.I),
    re.compile(r'<div[^>]*class="[^"]*\b(gmail_signature|moz-signature)', re.I),
    re.compile(r"<blockquote", re.I),
]
_BLOCK_START = re.compile(r"<(div|p)\b[^>]*>|<br\s*/?>", re.I)


def split_html(html: str) -> tuple[str, str]:
    """(new part, quoted part) of an HTML body, cut at the earliest quote marker; a
    "… wrote:" line just before a ``<blockquote>`` goes with the quote."""
    found = [m.start() for p in _HTML_MARKERS if (m := p.search(html))]
    if not found:
        return html, ""
    cut = min(found)
    if html[cut:cut + 11].lower() == "<blockquote":
        starts = [m.start() for m in _BLOCK_START.finditer(html, max(0, cut - 600), cut)]
        for start in reversed(starts):
            lines = [ln for ln in html_to_text(html[start:cut]).splitlines() if ln.strip()]
            if lines and _is_header(lines, len(lines) - 1):
                cut = start
                break
    return html[:cut], html[cut:]


def fold_html(html: str) -> str:
    new, quoted = split_html(html)
    return f"{new}<blockquote>{quoted}</blockquote>" if quoted else html


def html_parts(html: str) -> tuple[str, str]:
    """The text of an HTML body's new part and of its quoted part."""
    new, quoted = split_html(html)
    return html_to_text(clean_html(new)), html_to_text(clean_html(quoted))
