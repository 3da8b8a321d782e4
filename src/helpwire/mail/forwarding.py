"""An agent forwards a client's mail into a mailbox: the ticket is the client's.

Found by the forward's own header block ("From:", "От:", Yandex's "…, "Имя" <a@b>:") or
an attached message/rfc822. The ticket is opened for that sender and marked as
forwarded, and nothing is sent on anyone's behalf — so a forged From gains nothing.
"""

from __future__ import annotations

import email
import email.policy
import re
from dataclasses import dataclass

from helpwire.mail import loops
from helpwire.mail.parse import ParsedMail, address_of, header_text

_MARKER = re.compile(r"(-{3,}\s*(forwarded message|original message|пересылаемое сообщение|"
                     r"исходное сообщение)\s*-{3,}|begin forwarded message:|"
                     r"начало переадресованного сообщения:)", re.I)
_FROM = re.compile(r"^\s*\*?(from|от|de)\s*:\*?\s*(.+)$", re.I | re.M)
_YANDEX = re.compile(r"^\d{1,2}\.\d{1,2}\.\d{2,4},?\s+\d{1,2}:\d{2},\s*(.+<[^>]+@[^>]+>)\s*:\s*$",
                     re.M)
_PREFIX = re.compile(r"^\s*((fwd?|fw|пересл|пересылка|tr|enc)\s*:\s*)+", re.I)


@dataclass(frozen=True)
class Original:
    from_name: str
    from_email: str


def _full_text(parsed: ParsedMail) -> str:
    return "\n".join(t for t in (parsed.text, parsed.quoted_text) if t)


def original_sender(parsed: ParsedMail) -> Original | None:
    ours = loops.own_addresses()

    def usable(found: tuple[str, str]) -> Original | None:
        name, address = found
        if address and address != parsed.from_email and address not in ours:
            return Original(from_name=name, from_email=address)
        return None

    for item in parsed.attachments:
        if item.content_type == "message/rfc822":
            inner = email.message_from_bytes(item.content, policy=email.policy.default)
            if (found := usable(address_of(header_text(inner.get("From", ""))))) is not None:
                return found
    text = _full_text(parsed)
    marker = _MARKER.search(text)
    if marker is None:
        return None
    block = text[marker.end():marker.end() + 2000]
    for pattern in (_FROM, _YANDEX):
        for match in pattern.finditer(block):
            if (found := usable(address_of(match.group(match.lastindex or 1)))) is not None:
                return found
    return None


def subject(parsed: ParsedMail) -> str:
    return _PREFIX.sub("", parsed.subject).strip() or parsed.subject


def body(parsed: ParsedMail) -> str:
    """The whole forward: the agent's words above and the client's mail below."""
    return _full_text(parsed)
