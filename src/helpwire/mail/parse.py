"""Raw mail → ``ParsedMail``: the standard library's ``email`` (policy.default) plus what
real mail needs on top — charsets that lie, raw 8-bit headers, RFC 2047 file names,
message/rfc822 parts that are files and not the body, and every attachment kept.

Nothing here touches the database; ``mail.intake`` decides what the result becomes.
"""

from __future__ import annotations

import email
import email.header
import email.policy
import email.utils
import hashlib
import mimetypes
import re
from dataclasses import dataclass, field
from datetime import datetime
from email.message import Message as StdMessage

from helpwire.mail import charsets, quoting

_MSGID = re.compile(r"<[^<>\s]+>")
_ADDRESS = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# Headers added on the way (one per hop): not part of what the sender wrote, so two copies
# of one mail delivered along different paths have the same digest without them.
TRACE_HEADERS = {"received", "delivered-to", "return-path", "x-original-to", "x-received",
                 "authentication-results", "arc-seal", "arc-message-signature",
                 "arc-authentication-results", "x-spam-status", "x-spam-score",
                 "x-spam-flag", "x-virus-scanned", "received-spf", "x-helpwire-mailbox"}


class NotAMessage(ValueError):
    """The bytes cannot be read as a mail at all (quarantined with this reason)."""


@dataclass
class Part:
    filename: str
    content_type: str
    content: bytes
    content_id: str = ""  # without brackets; set for inline (cid:) images


@dataclass
class ParsedMail:
    message_id: str | None
    in_reply_to: list[str]
    references: list[str]
    from_name: str
    from_email: str
    reply_to: str
    to: list[str]
    cc: list[str]
    subject: str
    date: datetime | None
    text: str  # the new words, without the quoted history
    quoted_text: str
    html: str  # unsanitised; the quoted history wrapped in <blockquote>
    html_only: bool
    attachments: list[Part]
    headers: dict[str, str]  # lowercased name → decoded value (first occurrence)
    charset_fallback: str = ""
    problems: list[str] = field(default_factory=list)
    std: StdMessage | None = None  # the parsed tree, for bounce reports

    @property
    def inline_images(self) -> list[Part]:
        return [p for p in self.attachments if p.content_id]


def digest(raw: bytes) -> str:
    """sha256 of the mail without its trace headers: the same mail delivered twice (or
    to two of our mailboxes) has one digest."""
    head, sep, body = raw.partition(b"\r\n\r\n")
    if not sep:
        head, sep, body = raw.partition(b"\n\n")
    kept: list[bytes] = []
    skipping = False
    for line in re.split(rb"\r?\n", head):
        if line[:1] in (b" ", b"\t"):
            if not skipping:
                kept.append(line)
            continue
        name = line.split(b":", 1)[0].strip().lower().decode("ascii", "replace")
        skipping = name in TRACE_HEADERS
        if not skipping:
            kept.append(line)
    return hashlib.sha256(b"\n".join(kept) + b"\n\n" + body).hexdigest()


def header_text(value: object, name: str = "subject") -> str:
    """A header's text whatever it was written in: RFC 2047 words in any charset, or raw
    8-bit bytes (which the parser keeps as surrogate escapes)."""
    raw = str(value) if value is not None else ""
    data = raw.encode("utf-8", "surrogateescape")
    if not data.isascii():
        raw, _note = charsets.decode(data, None)
    if "=?" in raw:
        raw = _decode_words(raw, name)
    return " ".join(raw.split())


def _decode_words(raw: str, name: str) -> str:
    try:
        # The policy's parser keeps the spaces between encoded and plain words right, but
        # not a character split across two encoded words; the older decoder joins those.
        text = str(email.policy.default.header_factory(name, raw))
        if "\ufffd" not in text:
            return text
    except Exception:  # noqa: S110 — malformed words: the older decoder copes
        pass
    try:
        parts = email.header.decode_header(raw)
        return "".join(chunk.decode(charsets.canonical(cs) or "utf-8", "replace")
                       if isinstance(chunk, bytes) else chunk for chunk, cs in parts)
    except (LookupError, ValueError, email.errors.HeaderParseError):
        return raw


def _raw_header(msg: StdMessage, name: str) -> str:
    for key, value in msg.raw_items():  # type: ignore[attr-defined]
        if key.lower() == name:
            return str(value)
    return ""


def address_of(value: str) -> tuple[str, str]:
    """(display name, lowercase address) from a From-like header, however malformed."""
    pairs = [(n, a) for n, a in email.utils.getaddresses([value]) if "@" in a]
    if pairs and _ADDRESS.fullmatch(pairs[0][1]):
        return pairs[0][0].strip().strip('"'), pairs[0][1].lower()
    found = _ADDRESS.search(value)
    if not found:
        return "", ""
    name = (value[:found.start()] + value[found.end():]).replace("<", "").replace(">", "")
    return name.strip().strip('"').strip(), found.group(0).lower()


def _addresses(value: str) -> list[str]:
    return list(dict.fromkeys(a.lower() for _n, a in email.utils.getaddresses([value])
                              if _ADDRESS.fullmatch(a)))


def _filename(part: StdMessage) -> str:
    try:
        name = part.get_filename() or part.get_param("name", header="content-type") or ""
    except (ValueError, LookupError, TypeError):
        name = ""
    if isinstance(name, tuple):  # an undecoded RFC 2231 triple
        name = email.utils.collapse_rfc2231_value(name)
    return header_text(name).replace("/", "_").replace("\\", "_").strip()[:200]


def _payload(part: StdMessage) -> bytes:
    cte = part.get("Content-Transfer-Encoding")
    if cte is not None and str(cte) != str(cte).strip():
        # " quoted-printable" (folded after the colon) would be left undecoded, silently.
        part.replace_header("Content-Transfer-Encoding", str(cte).strip())
    data = part.get_payload(decode=True)
    if isinstance(data, bytes):
        return data
    body = part.get_payload()
    return str(body).encode("utf-8", "surrogateescape") if body else b""


class _Walker:
    def __init__(self) -> None:
        self.texts: list[str] = []
        self.htmls: list[str] = []
        self.attachments: list[Part] = []
        self.fallbacks: list[str] = []

    def walk(self, part: StdMessage, *, related: bool = False) -> None:
        ctype = part.get_content_type()
        if part.is_multipart() and not ctype.startswith("message/"):
            # Alternatives all land here: the plain text in ``texts``, the HTML in ``htmls``.
            for child in part.get_payload():  # type: ignore[union-attr]
                if isinstance(child, StdMessage):
                    self.walk(child, related=related or ctype == "multipart/related")
            return
        disposition = (part.get_content_disposition() or "").lower()
        filename = _filename(part)
        if ctype.startswith("message/"):
            self._attach(part, filename or "message.eml", ctype, _message_bytes(part))
            return
        content_id = (part.get("Content-ID") or "").strip().strip("<>")
        # A named text part after the body is a file (a .txt the client attached).
        named_file = bool(filename) and bool(self.texts or self.htmls)
        if ctype in ("text/plain", "text/html") and disposition != "attachment" and not named_file:
            text, note = charsets.decode(_payload(part), part.get_content_charset())
            if note:
                self.fallbacks.append(note)
            (self.texts if ctype == "text/plain" else self.htmls).append(text)
            return
        if related and content_id and ctype.startswith("image/"):
            self._attach(part, filename, ctype, _payload(part), content_id=content_id)
            return
        self._attach(part, filename, ctype, _payload(part), content_id="")

    def drop_unnamed_copies(self) -> None:
        """A calendar invite travels twice: as the message's text/calendar alternative and
        as invite.ics. The named file is kept; the unnamed copy of the same bytes is not."""
        named = {p.content for p in self.attachments if not p.filename.startswith("attachment-")}
        self.attachments = [p for p in self.attachments if not (
            p.filename.startswith("attachment-") and p.content in named)]

    def _attach(self, part: StdMessage, filename: str, ctype: str, content: bytes, *,
                content_id: str = "") -> None:
        if not filename:
            ext = {"text/calendar": ".ics", "application/ms-tnef": ".dat",
                   "message/rfc822": ".eml"}.get(ctype) or mimetypes.guess_extension(ctype) or ""
            filename = f"attachment-{len(self.attachments) + 1}{ext}"
        self.attachments.append(Part(filename=filename, content_type=ctype, content=content,
                                     content_id=content_id))


def _message_bytes(part: StdMessage) -> bytes:
    inner = part.get_payload()
    if isinstance(inner, list) and inner and isinstance(inner[0], StdMessage):
        return bytes(inner[0].as_bytes(policy=email.policy.compat32))
    return _payload(part)


def looks_like_mail(raw: bytes) -> bool:
    """A header block first: ``Name: value`` lines before the first empty line."""
    head = raw[:4096].lstrip(b"\r\n")
    first = head.split(b"\n", 1)[0]
    return bool(re.match(rb"^(From |[!-9;-~]+:)", first))


def parse(raw: bytes) -> ParsedMail:
    if not raw.strip():
        raise NotAMessage("empty")
    if not looks_like_mail(raw):
        raise NotAMessage("not an email message: no header block")
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    headers: dict[str, str] = {}
    for key, value in msg.raw_items():  # type: ignore[attr-defined]
        headers.setdefault(key.lower(), header_text(value, key.lower()))
    from_name, from_email = address_of(headers.get("from", "") or headers.get("sender", ""))
    if not from_email:
        from_name, from_email = address_of(headers.get("return-path", ""))
    if not from_email:
        raise NotAMessage("no sender address in From, Sender or Return-Path")
    walker = _Walker()
    walker.walk(msg)
    walker.drop_unnamed_copies()
    text = "\n\n".join(t.strip("\n") for t in walker.texts)
    html = "\n".join(walker.htmls)
    html_only = bool(html) and not text
    new_text, quoted_text = quoting.split_text(text) if text else ("", "")
    if html:
        if not text:
            new_text, quoted_text = quoting.html_parts(html)
        html = quoting.fold_html(html)
    try:
        date = email.utils.parsedate_to_datetime(headers["date"]) if headers.get("date") else None
    except (ValueError, TypeError, IndexError):
        date = None
    problems = sorted({type(d).__name__ for d in msg.defects})
    message_id = _MSGID.search(_raw_header(msg, "message-id"))
    return ParsedMail(
        message_id=message_id.group(0) if message_id else None,
        in_reply_to=_MSGID.findall(_raw_header(msg, "in-reply-to")),
        references=_MSGID.findall(_raw_header(msg, "references")),
        from_name=from_name, from_email=from_email,
        reply_to=address_of(headers.get("reply-to", ""))[1],
        to=_addresses(headers.get("to", "")), cc=_addresses(headers.get("cc", "")),
        subject=headers.get("subject", "")[:500], date=date,
        text=new_text, quoted_text=quoted_text, html=html, html_only=html_only,
        attachments=walker.attachments, headers=headers,
        charset_fallback="; ".join(dict.fromkeys(walker.fallbacks)), problems=problems,
        std=msg,
    )
