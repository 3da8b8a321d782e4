"""One mail's bytes → stored, then taken in: the path shared by IMAP polling and the MTA
pipe (``helpwire mail deliver``).

1. The bytes are written durably under the data dir first, with a ``RawMail`` row: from
   then on the mail cannot be lost, whatever happens next (``mail deliver`` exits 0).
2. Taking it in: a mail that cannot be read, is too large, or floods us is quarantined
   with the reason (admins see it and can take it in again); mail from our own mailboxes
   is ignored; a bounce marks the message it reports; everything else goes through
   ``conversations.ingest`` — deduplicated by Message-ID (or a digest without the trace
   headers), threaded, with its attachments.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, transaction
from django.utils import timezone

from helpwire.accounts import reply_tokens
from helpwire.accounts.models import Agent
from helpwire.clients.models import Identity
from helpwire.connectors.types import InboundAttachment, InboundMessage, Sender
from helpwire.conversations import ingest, reply
from helpwire.conversations.sanitize import text_to_html
from helpwire.core.actors import Actor
from helpwire.core.commits import deferred_durability
from helpwire.core.files import write_durably_many
from helpwire.mail import bounces, forwarding, loops
from helpwire.mail.models import Mailbox, Participant, RawMail, RawState
from helpwire.mail.parse import NotAMessage, ParsedMail, digest, parse
from helpwire.tickets.locks import lock_ticket
from helpwire.tickets.models import Message, ThreadKey, Ticket

logger = logging.getLogger("helpwire.mail")
_TOKEN = re.compile(r"\[#(\d{1,12})\]")


@dataclass(frozen=True)
class Outcome:
    raw: RawMail
    state: str
    reason: str = ""
    ticket_id: int | None = None
    message_id: int | None = None
    created: bool = False


def mail_root() -> Path:
    return Path(settings.HELPWIRE_MAIL_DIR)


def _path() -> str:
    return f"{timezone.now():%Y/%m/%d}/{uuid.uuid4().hex}.eml"


def read_raw(raw_mail: RawMail) -> bytes:
    return (mail_root() / raw_mail.path).read_bytes()


def deliver(*, mailbox: Mailbox, raw: bytes) -> Outcome:
    """Keep one mail and take it in. Raises only when the bytes could not be kept (disk,
    database): the caller then retries later (``mail deliver`` exits 75)."""
    return deliver_batch(mailbox=mailbox, raws=[raw])[0]


def deliver_batch(*, mailbox: Mailbox, raws: Sequence[bytes],
                  deferred: bool = False) -> list[Outcome]:
    """Keep a batch of mails (an IMAP poll's; the MTA pipe's one), then take each in: the
    files are written together and synced once each (core.files), their rows inserted in
    one statement, and each mail then taken in by its own transaction. With
    ``deferred`` those commits do not wait for the disk (core.commits): the caller's next
    synchronous commit — the poll's new position — makes the batch durable, and until it
    the position has not moved.
    """
    keys = [digest(raw) for raw in raws]
    known: dict[str, RawMail] = {}
    for row in RawMail.objects.filter(mailbox=mailbox, digest__in=set(keys)).order_by("-pk"):
        # The first copy kept wins. Not STORED: fetched again after a crash before it was
        # marked seen, or piped in twice — a duplicate; STORED: kept but never taken in.
        known[row.digest] = row
    fresh: dict[str, RawMail] = {}
    files: list[tuple[Path, bytes]] = []
    for key, raw in zip(keys, raws, strict=True):
        if key not in known and key not in fresh:
            relative = _path()
            files.append((mail_root() / relative, raw))
            fresh[key] = RawMail(mailbox=mailbox, path=relative, digest=key, size=len(raw))
    write_durably_many(files)
    try:
        RawMail.objects.bulk_create(fresh.values())
    except BaseException:
        for path, _raw in files:
            path.unlink(missing_ok=True)
        raise
    outcomes = []
    seen: set[str] = set()
    with deferred_durability() if deferred else nullcontext():
        for key, raw in zip(keys, raws, strict=True):
            row = known.get(key) or fresh[key]
            if key in seen or row.state != RawState.STORED:
                outcomes.append(Outcome(raw=row, state=RawState.DUPLICATE, reason=row.state,
                                        message_id=row.message_id))
            else:
                outcomes.append(take_in(row, raw=raw))
            seen.add(key)
    return outcomes


def take_in(raw_mail: RawMail, *, raw: bytes | None = None, force: bool = False) -> Outcome:
    """Take in a stored mail (again, for a quarantined one an admin releases: ``force``
    lets it past the flood cap)."""
    raw = read_raw(raw_mail) if raw is None else raw
    if len(raw) > settings.HELPWIRE_MAIL_MAX_BYTES:
        return _settle(raw_mail, RawState.QUARANTINED,
                       f"larger than the limit ({len(raw)} > "
                       f"{settings.HELPWIRE_MAIL_MAX_BYTES} bytes)")
    try:
        parsed = parse(raw)
    except NotAMessage as exc:
        return _settle(raw_mail, RawState.QUARANTINED, str(exc))
    except Exception as exc:  # a parser bug must not lose the mail or stall the next one
        logger.exception("mail %s could not be parsed", raw_mail.pk)
        return _settle(raw_mail, RawState.QUARANTINED, f"could not be parsed: {exc!r}"[:2000])
    raw_mail.sender = parsed.from_email[:320]
    raw_mail.subject = parsed.subject[:500]
    raw_mail.message_id_header = (parsed.message_id or "")[:500]
    try:
        return _route(raw_mail, parsed, force=force)
    except (DatabaseError, OSError):
        raise  # temporary: the MTA or the next poll tries again
    except Exception as exc:  # a bug on one mail must not lose it or stall the next one
        logger.exception("mail %s could not be taken in", raw_mail.pk)
        return _settle(raw_mail, RawState.QUARANTINED,
                       f"could not be taken in: {exc!r}"[:2000])


def _route(raw_mail: RawMail, parsed: ParsedMail, *, force: bool) -> Outcome:
    mailbox = raw_mail.mailbox
    ours = loops.own_addresses()
    if parsed.from_email in ours:
        return _settle(raw_mail, RawState.IGNORED, "from one of our own mailboxes")
    bounce = bounces.detect(parsed)
    if bounce is not None:
        return _settle(raw_mail, RawState.BOUNCE, bounces.apply(bounce))
    agent = Agent.objects.filter(email__iexact=parsed.from_email, is_active=True).first()
    if agent is not None:
        return _from_agent(raw_mail, parsed, agent, ours=ours)
    if not force and _flooding(parsed, raw_mail):
        # One alert per sender and hour, however long the flood goes on.
        first = not RawMail.objects.filter(
            sender=parsed.from_email, state=RawState.QUARANTINED,
            received_at__gt=timezone.now() - timedelta(hours=1)).exists()
        return _settle(raw_mail, RawState.QUARANTINED, loops.flood_reason(parsed.from_email),
                       alert=first)
    return _ingest(raw_mail, parsed, mailbox, sender=parsed, ours=ours)


def _from_agent(raw_mail: RawMail, parsed: ParsedMail, agent: Agent, *,
                ours: set[str]) -> Outcome:
    """Never trust From to decide an agent wrote (CHECKLIST 6): his reply only with a
    reply token issued to him; a forwarded mail opens a ticket for its original sender;
    anything else waits in quarantine for an admin."""
    for ref in [*parsed.in_reply_to, *parsed.references]:
        token = reply_tokens.verify(ref)
        if token is not None and token[1] == agent.pk:
            return _agent_reply(raw_mail, parsed, agent, ticket_id=token[0])
    original = forwarding.original_sender(parsed)
    if original is None:
        return _settle(raw_mail, RawState.QUARANTINED,
                       f"from agent {agent.email}, but neither a forwarded mail nor a "
                       f"reply carrying a reply token")
    return _ingest(raw_mail, parsed, raw_mail.mailbox, sender=original,
                   forwarded_by=agent.email, ours=ours)


def _agent_reply(raw_mail: RawMail, parsed: ParsedMail, agent: Agent, *,
                 ticket_id: int) -> Outcome:
    """An agent answered a notification by mail: his reply on the ticket, with his
    permissions (refused ones wait in quarantine with the reason)."""
    ticket = Ticket.objects.filter(pk=ticket_id).first()
    files = [InboundAttachment(filename=p.filename, content=p.content,
                               content_type=p.content_type) for p in parsed.attachments]
    try:
        with transaction.atomic():
            if ticket is None:
                raise ValidationError("the ticket no longer exists")
            message = reply(ticket=ticket, actor=Actor.of_agent(agent),
                            text=parsed.text, files=files)
            outcome = _settle(raw_mail, RawState.TAKEN, "", message=message)
    except (ValidationError, PermissionDenied) as exc:
        why = "; ".join(getattr(exc, "messages", [str(exc)]))
        return _settle(raw_mail, RawState.QUARANTINED, f"reply by {agent.email} refused: {why}")
    return Outcome(raw=outcome.raw, state=outcome.state, ticket_id=ticket_id,
                   message_id=message.pk)


def _flooding(parsed: ParsedMail, raw_mail: RawMail) -> bool:
    """More new tickets from this sender in the last hour than the cap — unless this mail
    answers a conversation we know."""
    if _known_thread(parsed):
        return False
    since = timezone.now() - timedelta(hours=1)
    opened = (RawMail.objects.filter(sender=parsed.from_email, received_at__gt=since,
                                     state=RawState.TAKEN, opened_ticket=True)
              .exclude(pk=raw_mail.pk).count())
    return opened >= settings.HELPWIRE_MAIL_NEW_TICKETS_PER_HOUR


def _known_thread(parsed: ParsedMail) -> bool:
    keys = [*parsed.in_reply_to, *parsed.references]
    return bool(keys) and ThreadKey.objects.filter(channel__kind="email", key__in=keys).exists()


def _token_keys(parsed: ParsedMail, sender: str) -> list[str]:
    """A ``[#NUMBER]`` in the subject leads to that ticket only when the sender is its
    client or a participant — never by subject text alone, never for a stranger."""
    found = _TOKEN.search(parsed.subject)
    if not found:
        return []
    ticket = Ticket.objects.filter(number=int(found.group(1))).first()
    if ticket is None:
        return []
    client_match = Identity.objects.filter(client_id=ticket.client_id, kind="email",
                                           value=sender).exists()
    if not client_match and not Participant.objects.filter(ticket=ticket,
                                                           address=sender).exists():
        return []
    key = (ThreadKey.objects.filter(ticket=ticket, channel__kind="email")
           .values_list("key", flat=True).first())
    return [key] if key else []


def _ingest(raw_mail: RawMail, parsed: ParsedMail, mailbox: Mailbox, *,
            sender: ParsedMail | forwarding.Original, ours: set[str],
            forwarded_by: str = "") -> Outcome:
    email_addr = sender.from_email
    related = [*reversed(parsed.in_reply_to), *reversed(parsed.references),
               *_token_keys(parsed, email_addr)]
    meta: dict[str, object] = {
        "mailboxes": [mailbox.address],
        "from": parsed.from_email, "to": parsed.to, "cc": parsed.cc,
        "message_id": parsed.message_id or "", "raw_mail": raw_mail.pk,
    }
    auto = loops.auto_reason(parsed.headers, parsed.from_email)
    if auto:
        meta["automatic"] = auto
    if parsed.charset_fallback:
        meta["charset_fallback"] = parsed.charset_fallback
    if forwarded_by:
        meta["forwarded_by"] = forwarded_by
    if parsed.quoted_text:
        meta["quoted_text"] = parsed.quoted_text[:20000]
    inbound = InboundMessage(
        channel_id=mailbox.channel_id,
        sender=Sender(name=sender.from_name, email=email_addr),
        text=parsed.text if not forwarded_by else forwarding.body(parsed),
        # A forward shows whole: the client's mail is the "quoted" part.
        html="" if forwarded_by else _html(parsed),
        subject=forwarding.subject(parsed) if forwarded_by else parsed.subject,
        external_id=parsed.message_id or f"sha256:{raw_mail.digest}",
        thread_key=parsed.message_id, related_keys=tuple(related),
        received_at=_received_at(parsed),
        attachments=tuple(InboundAttachment(filename=p.filename, content=p.content,
                                            content_type=p.content_type,
                                            content_id=p.content_id)
                          for p in parsed.attachments),
        meta=meta,
        ticket_defaults={"internal": True} if mailbox.is_internal else {},
    )
    with transaction.atomic():
        result = ingest(inbound, channel=mailbox.channel)
        # ingest holds the lock on a ticket it opened or threaded onto; a duplicate's
        # ticket is locked here, before its message row.
        ticket = lock_ticket(result.ticket.pk) if result.duplicate else result.ticket
        if result.duplicate:
            _also_received_by(result.message, mailbox)
        else:
            _remember_participants(ticket.pk, parsed, mailbox, email_addr, ours=ours)
        raw_mail.opened_ticket = result.created
        outcome = _settle(raw_mail, RawState.DUPLICATE if result.duplicate else RawState.TAKEN,
                          "", message=result.message)
    return Outcome(raw=outcome.raw, state=outcome.state, ticket_id=ticket.pk,
                   message_id=result.message.pk, created=result.created)


def _html(parsed: ParsedMail) -> str:
    """The body for the page: a plain-text mail's history and signature go below its new
    words inside a <blockquote>, which the workspace folds away (kept, never dropped)."""
    if parsed.html or not parsed.quoted_text:
        return parsed.html
    return (text_to_html(parsed.text) + "<blockquote>" + text_to_html(parsed.quoted_text)
            + "</blockquote>")


def _received_at(parsed: ParsedMail) -> datetime | None:
    """The sender's Date only when it is plausible (not in the future, not years old):
    lists sort by it."""
    now = timezone.now()
    if parsed.date is None or parsed.date.tzinfo is None:
        return None
    if parsed.date > now + timedelta(minutes=5) or parsed.date < now - timedelta(days=30):
        return None
    return parsed.date


def _also_received_by(message: Message, mailbox: Mailbox) -> None:
    """One mail sent to two of our mailboxes is one message with both recorded."""
    row = Message.objects.get(pk=message.pk)
    boxes = list(row.meta.get("mailboxes", []))
    if mailbox.address not in boxes:
        row.meta = {**row.meta, "mailboxes": [*boxes, mailbox.address]}
        row.save(update_fields=["meta"])


def _remember_participants(ticket_id: int, parsed: ParsedMail, mailbox: Mailbox,
                           client_email: str, *, ours: set[str]) -> None:
    """CC recipients join the conversation (our own mailboxes and the client aside)."""
    for address in parsed.cc + [a for a in parsed.to if a != mailbox.address]:
        if address not in ours and address != client_email and not loops.is_robot_sender(
                address):
            Participant.objects.get_or_create(ticket_id=ticket_id, address=address)


def _settle(raw_mail: RawMail, state: str, reason: str, *, message: Message | None = None,
            alert: bool = False) -> Outcome:
    raw_mail.state = state
    raw_mail.reason = reason[:2000]
    raw_mail.message = message
    raw_mail.save()
    if state == RawState.QUARANTINED:
        logger.warning("mail %s quarantined: %s", raw_mail.pk, reason)
        if alert:
            loops.alert_admins(reason)
    return Outcome(raw=raw_mail, state=state, reason=reason,
                   message_id=message.pk if message else None)
