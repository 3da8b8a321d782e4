"""Bounces (RFC 3464 delivery status notifications, and the free-text ones some servers
still send): they never open a ticket; they mark the message that bounced as failed with
the server's answer, and show on its ticket as a system line."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db import transaction

from helpwire.conversations.tasks import mark_bounced
from helpwire.mail import loops
from helpwire.mail.parse import ParsedMail, header_text
from helpwire.tickets.models import Message

_SUBJECT = re.compile(r"undeliver|delivery (status|fail)|returned mail|failure notice|"
                      r"mail delivery|недостав|не доставлен|не может быть доставлено", re.I)
_STATUS = re.compile(r"^\s*Status:\s*([245]\.\d{1,3}\.\d{1,3})", re.I | re.M)
_DIAGNOSTIC = re.compile(r"^\s*Diagnostic-Code:\s*(?:smtp;\s*)?(.+(?:\n[ \t].+)*)", re.I | re.M)
_ANY_STATUS = re.compile(r"\b([45]\.\d{1,3}\.\d{1,3})\b")
_MSGID = re.compile(r"<[^<>\s]+@[^<>\s]+>")
_MSGID_HEADER = re.compile(r"^Message-ID:\s*(<[^<>\s]+>)", re.I | re.M)


@dataclass(frozen=True)
class Bounce:
    original_ids: list[str]
    status: str
    answer: str


def detect(parsed: ParsedMail) -> Bounce | None:
    msg = parsed.std
    report = msg is not None and msg.get_content_type() == "multipart/report"
    robot = loops.is_robot_sender(parsed.from_email) and bool(_SUBJECT.search(parsed.subject))
    if not report and not robot:
        return None
    status, answer, ids = "", "", []
    if msg is not None:
        for part in msg.walk():
            ctype = part.get_content_type()
            if ctype == "message/delivery-status":
                text = _part_text(part)
                code = _STATUS.search(text) or _ANY_STATUS.search(text)
                status = code.group(1) if code else status
                found = _DIAGNOSTIC.search(text)
                answer = " ".join(found.group(1).split()) if found else answer
            elif ctype in ("message/rfc822", "text/rfc822-headers", "message/rfc822-headers"):
                ids += _original_ids(part)
    text = parsed.text + "\n" + parsed.quoted_text
    if not ids:
        ids = [i for i in _MSGID.findall(text) if i != parsed.message_id]
    if not status:
        found_status = _ANY_STATUS.search(text)
        status = found_status.group(1) if found_status else ""
    if not answer:
        answer = next((ln.strip() for ln in text.splitlines()
                       if status and status in ln), "") or parsed.subject
    return Bounce(original_ids=list(dict.fromkeys(ids)), status=status, answer=answer[:500])


def _part_text(part: object) -> str:
    payload = part.get_payload()  # type: ignore[attr-defined]
    if isinstance(payload, list):  # the parser splits delivery-status into header blocks
        return "\n".join(str(p) for p in payload)
    data = part.get_payload(decode=True)  # type: ignore[attr-defined]
    return data.decode("utf-8", "replace") if isinstance(data, bytes) else str(payload)


def _original_ids(part: object) -> list[str]:
    payload = part.get_payload()  # type: ignore[attr-defined]
    inner = payload[0] if isinstance(payload, list) and payload else None
    if inner is not None and inner.get("Message-ID"):
        return _MSGID.findall(header_text(inner.get("Message-ID")))
    found = _MSGID_HEADER.search(_part_text(part))
    return [found.group(1)] if found else []


def apply(bounce: Bounce) -> str:
    """Mark the message that bounced; the text says what happened (kept on the raw mail)."""
    answer = " ".join(x for x in (bounce.status, bounce.answer) if x)
    with transaction.atomic():
        message = (Message.objects.filter(external_id__in=bounce.original_ids,
                                          channel__kind="email", kind="outbound")
                   .select_related("ticket").first()) if bounce.original_ids else None
        if message is None:
            return f"bounce for a message we do not know ({', '.join(bounce.original_ids)}): " \
                   f"{answer}"
        mark_bounced(message=message, error=answer)
    return f"bounce of message {message.pk} on ticket #{message.ticket.number}: {answer}"
