"""``reply``: the one way an agent's words leave Helpwire (or stay inside, as a note)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from helpwire.accounts import permissions
from helpwire.accounts.models import Group
from helpwire.clients.models import Client, Identity
from helpwire.connectors.models import REACHES, Channel
from helpwire.connectors.registry import has_connector, thread_keys
from helpwire.connectors.types import InboundAttachment
from helpwire.conversations import attachments
from helpwire.conversations.sanitize import clean_html, html_to_text, text_to_html
from helpwire.conversations.tasks import deliver_message
from helpwire.core import events
from helpwire.core.actors import Actor
from helpwire.tickets import actions, mentions
from helpwire.tickets.access import channel_open_to
from helpwire.tickets.locks import lock_ticket
from helpwire.tickets.models import (
    DeliveryState,
    Message,
    MessageKind,
    Status,
    ThreadKey,
    Ticket,
)

REPLY = "reply"
NOTE = "note"


def reply_channels(ticket: Ticket) -> list[Channel]:
    """Where a reply on this ticket may go [CH9]: its own channel, or another active
    channel this client has written through that can reach him — a kind that sends to an
    identity he has (an email channel for a client with an email), with a connector."""
    kinds = set(Identity.objects.filter(client_id=ticket.client_id)
                .values_list("kind", flat=True))
    others = (Channel.objects.filter(tickets__client_id=ticket.client_id, is_active=True)
              .exclude(pk=ticket.channel_id).distinct().order_by("name"))
    return [ticket.channel, *[c for c in others
                              if REACHES.get(c.kind) in kinds and has_connector(c.kind)]]


def _addresses(values: Sequence[str]) -> list[str]:
    out = []
    for value in values:
        value = value.strip().lower()
        if not value:
            continue
        try:
            validate_email(value)
        except ValidationError:
            raise ValidationError(_("%(value)s is not an email address."), code="invalid_cc",
                                  params={"value": value}) from None
        out.append(value)
    return list(dict.fromkeys(out))


def _channel(ticket: Ticket, actor: Actor, channel: Channel | None) -> Channel:
    if channel is None or channel.pk == ticket.channel_id:
        return ticket.channel
    allowed = {c.pk for c in reply_channels(ticket)}
    if channel.pk not in allowed or (actor.agent is not None
                                     and not channel_open_to(actor.agent, channel)):
        raise ValidationError(_("This ticket cannot be answered through %(channel)s."),
                              code="invalid_channel", params={"channel": channel.name})
    return channel


def reply(
    *,
    ticket: Ticket,
    actor: Actor,
    text: str = "",
    html: str = "",
    kind: str = REPLY,
    files: Sequence[InboundAttachment] = (),
    status: str | None = None,
    channel: Channel | None = None,
    cc: Sequence[str] = (),
    bcc: Sequence[str] = (),
    automatic: bool = False,
) -> Message:
    """Store an agent's reply (queued for its channel's connector) or a private note.
    ``status`` sets the ticket's status in the same step ("reply and set pending");
    ``channel`` answers through another of the client's channels [CH9]; ``cc`` and
    ``bcc`` copy an email reply. ``automatic`` marks a message no person wrote (an
    acknowledgement): it is not a response and changes nothing on the ticket."""
    for item in files:
        attachments.check_size(item)
    prepared = attachments.prepare(list(files))
    try:
        return _reply(ticket=ticket, actor=actor, text=text, html=html, kind=kind,
                      prepared=prepared, has_files=bool(files), status=status,
                      channel=channel, cc=cc, bcc=bcc, automatic=automatic)
    except BaseException:
        attachments.discard(prepared)
        raise


@transaction.atomic
def _reply(*, ticket: Ticket, actor: Actor, text: str, html: str, kind: str,
           prepared: list[attachments.Prepared], has_files: bool, status: str | None,
           channel: Channel | None, cc: Sequence[str], bcc: Sequence[str],
           automatic: bool) -> Message:
    ticket = lock_ticket(ticket.pk)
    permissions.require(actor, "ticket.edit", ticket)
    if kind not in (REPLY, NOTE):
        raise ValidationError(_("A message is either a reply or a note."), code="invalid_kind")
    if ticket.status == Status.MERGED:
        raise ValidationError(_("This ticket was merged; write in the ticket it joined."),
                              code="ticket_merged")
    if kind == REPLY and ticket.status in (Status.CLOSED, Status.SPAM):
        raise ValidationError(_("Replies cannot be sent on a %(status)s ticket."),
                              code="ticket_closed", params={"status": ticket.status})
    public = kind == REPLY
    via = _channel(ticket, actor, channel) if public else ticket.channel
    body_html = clean_html(html) if html else text_to_html(text)
    body_text = text.strip() or html_to_text(body_html)
    if not body_text and not has_files:
        raise ValidationError(_("The message is empty."), code="empty_message")

    now = timezone.now()
    meta: dict[str, object] = {}
    if public and (cc or bcc):
        meta.update(cc=_addresses(cc), bcc=_addresses(bcc))
    if automatic:
        meta["automatic"] = True
    if actor.rule_id is not None:
        meta["rule_id"] = actor.rule_id
    message = Message.objects.create(
        ticket=ticket,
        kind=MessageKind.OUTBOUND if public else MessageKind.NOTE,
        channel=via,
        body_html=body_html,
        body_text=body_text,
        created_at=now,
        delivery_state=DeliveryState.QUEUED if public else "",
        delivery_key=uuid.uuid4().hex if public else "",
        next_attempt_at=now if public else None,
        meta=meta,
        **actor.columns(),
    )
    attachments.record(message, prepared)
    if public:
        # The far side will quote this reply's own id (an email's Message-ID): the
        # client's answer finds the ticket by it.
        for key in thread_keys(via, delivery_key=message.delivery_key):
            ThreadKey.objects.get_or_create(channel=via, key=key, defaults={"ticket": ticket})
    else:
        mentions.apply(ticket=ticket, text=body_text, actor=actor)
    if not automatic:
        actions.note_agent_message(ticket=ticket, actor=actor, at=now, public=public,
                                   status=status)
    events.emit(events.MESSAGE_ADDED, actor=actor, ticket_id=ticket.pk, message_id=message.pk,
                message_kind=message.kind, in_hand={"ticket": ticket, "message": message})
    if public:
        transaction.on_commit(lambda: deliver_message.enqueue(message.pk))
    return message


@transaction.atomic
def send_mailing_copy(*, client: Client, channel: Channel, actor: Actor, subject: str,
                      text: Callable[[Ticket], str], group: Group | None = None,
                      tags: Sequence[str] = ()) -> Message:
    """One recipient's copy of a mass mailing [AU7]: a ticket of his own in the ``mailing``
    status (out of queues and statistics) with our message on it, delivered like any reply.
    His answer threads to it and opens it. ``text`` renders the message for the new ticket
    (its number, his name)."""
    ticket = actions.create_ticket(client=client, channel=channel, actor=actor,
                                   subject=subject, group=group, tag_paths=tags,
                                   status=Status.MAILING)
    return _reply(ticket=ticket, actor=actor, text=text(ticket), html="", kind=REPLY,
                  prepared=[], has_files=False, status=None, channel=channel, cc=(), bcc=(),
                  automatic=True)
