"""Merging tickets [TK3]: one conversation, the others leave the statistics."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from helpwire.accounts import permissions
from helpwire.core import events, timers
from helpwire.core.actors import Actor
from helpwire.tickets.actions import REMINDER_TIMER
from helpwire.tickets.history import ChangeSet
from helpwire.tickets.models import FieldValue, Message, Status, ThreadKey, Ticket


@transaction.atomic
def merge_tickets(*, source: Ticket, target: Ticket, actor: Actor) -> Ticket:
    """Merge ``source`` into ``target``. The source's messages join the target's
    conversation (ordered by time, so they interleave), tags unite, fields the target lacks
    are filled from the source, and the source becomes "merged" with a link to the target."""
    locked = {t.pk: t for t in Ticket.objects.select_for_update().filter(
        pk__in=[source.pk, target.pk])}
    if source.pk == target.pk or len(locked) != 2:
        raise ValidationError(_("Choose two different tickets to merge."), code="invalid_merge")
    source, target = locked[source.pk], locked[target.pk]
    permissions.require(actor, "ticket.merge", source)
    permissions.require(actor, "ticket.merge", target)
    for t in (source, target):
        if t.status == Status.MERGED:
            raise ValidationError(_("Ticket #%(number)s is already merged."),
                                  code="invalid_merge", params={"number": t.number})

    moved = Message.objects.filter(ticket=source).update(ticket=target)
    ThreadKey.objects.filter(ticket=source).update(ticket=target)
    have = set(FieldValue.objects.filter(ticket=target).values_list("field_id", flat=True))
    FieldValue.objects.filter(ticket=source).exclude(field_id__in=have).update(ticket=target)
    timers.cancel(kind=REMINDER_TIMER, ticket_id=source.pk)

    target_cs = ChangeSet(target, actor)
    before = {t.path for t in target.tags.all()}
    source_tags = list(source.tags.all())
    if source_tags:
        target.tags.add(*source_tags)
    after = before | {t.path for t in source_tags}
    if after != before:
        target_cs.note("tags", sorted(before), sorted(after))
    target_cs.note("merged", "", f"#{source.number}")
    if source.last_message_at > target.last_message_at:
        target_cs.quietly("last_message_at", source.last_message_at)
    if source.created_at < target.created_at and target.first_response_at is None:
        target_cs.quietly("first_response_at", source.first_response_at)
    target_cs.commit()

    source_cs = ChangeSet(source, actor)
    source_cs.set("status", Status.MERGED)
    source_cs.set("merged_into", target)
    source_cs.quietly("remind_at", None)
    source_cs.commit()

    events.emit(events.TICKET_MERGED, actor=actor, ticket_id=target.pk,
                source_id=source.pk, target_id=target.pk, messages_moved=moved)
    return target


def resolve_merged(ticket: Ticket) -> Ticket:
    """Follow merge links to the ticket that now carries the conversation."""
    seen = set()
    while ticket.status == Status.MERGED and ticket.merged_into_id and ticket.pk not in seen:
        seen.add(ticket.pk)
        ticket = Ticket.objects.get(pk=ticket.merged_into_id)
    return ticket
