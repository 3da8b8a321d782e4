"""``reply``: the one way an agent's words leave Helpwire (or stay inside, as a note)."""

from __future__ import annotations

from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from helpwire.accounts import permissions
from helpwire.connectors.models import Channel
from helpwire.conversations import attachments
from helpwire.conversations.sanitize import clean_html, html_to_text, text_to_html
from helpwire.conversations.types import InboundAttachment
from helpwire.core import events
from helpwire.core.actors import Actor
from helpwire.tickets import actions, mentions
from helpwire.tickets.models import DeliveryState, Message, MessageKind, Status, Ticket

REPLY = "reply"
NOTE = "note"


@transaction.atomic
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
) -> Message:
    """Store an agent's reply (queued for its channel's connector) or a private note.
    ``status`` sets the ticket's status in the same step ("reply and set pending");
    ``channel`` answers through another of the client's channels [CH9]."""
    ticket = Ticket.objects.select_for_update().select_related("channel").get(pk=ticket.pk)
    permissions.require(actor, "ticket.edit", ticket)
    if kind not in (REPLY, NOTE):
        raise ValidationError(_("A message is either a reply or a note."), code="invalid_kind")
    if ticket.status == Status.MERGED:
        raise ValidationError(_("This ticket was merged; write in the ticket it joined."),
                              code="ticket_merged")
    if kind == REPLY and ticket.status in (Status.CLOSED, Status.SPAM):
        raise ValidationError(_("Replies cannot be sent on a %(status)s ticket."),
                              code="ticket_closed", params={"status": ticket.status})
    body_html = clean_html(html) if html else text_to_html(text)
    body_text = text.strip() or html_to_text(body_html)
    if not body_text and not files:
        raise ValidationError(_("The message is empty."), code="empty_message")
    for item in files:
        attachments.check_size(item)

    now = timezone.now()
    public = kind == REPLY
    message = Message.objects.create(
        ticket=ticket,
        kind=MessageKind.OUTBOUND if public else MessageKind.NOTE,
        channel=channel or ticket.channel,
        body_html=body_html,
        body_text=body_text,
        created_at=now,
        delivery_state=DeliveryState.QUEUED if public else "",
        **actor.columns(),
    )
    for item in files:
        attachments.store(message, item)
    if not public:
        mentions.apply(ticket=ticket, text=body_text, actor=actor)
    actions.note_agent_message(ticket=ticket, actor=actor, at=now, public=public,
                               status=status)
    events.emit(events.MESSAGE_ADDED, actor=actor, ticket_id=ticket.pk, message_id=message.pk,
                message_kind=message.kind)
    if public:
        from helpwire.conversations.tasks import deliver_message

        transaction.on_commit(lambda: deliver_message.enqueue(message.pk))
    return message
