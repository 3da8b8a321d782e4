"""Merging tickets [TK3]: one conversation, the others leave the statistics.

``merge_tickets`` is the one merge service — the ticket page, the API and bulk actions all
call it — and it is all or nothing: every ticket is locked (ascending id) and checked before
anything moves, and one refusal (already merged, not allowed, the same ticket twice) leaves
every ticket as it was.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from helpwire.accounts import permissions
from helpwire.core import events, timers
from helpwire.core.actors import Actor
from helpwire.tickets.actions import REMINDER_TIMER
from helpwire.tickets.history import ChangeSet
from helpwire.tickets.locks import lock_ticket, lock_tickets
from helpwire.tickets.models import FieldValue, Message, Status, ThreadKey, Ticket


class DifferentClients(ValidationError):
    """Tickets of different clients: replies on the target would reach only its client.
    Refused unless the person confirmed it naming both (the single-ticket dialog)."""

    def __init__(self, names: list[str]) -> None:
        super().__init__(
            _("These tickets belong to different clients (%(clients)s): after merging, "
              "replies go only to the client of the ticket you merge into."),
            code="different_clients", params={"clients": ", ".join(names)})
        self.names = names


@transaction.atomic
def merge_tickets(*, target: Ticket, actor: Actor, source: Ticket | None = None,
                  sources: Sequence[Ticket] = (), allow_other_clients: bool = False) -> Ticket:
    """Merge ``source`` (or each of ``sources``, oldest first) into ``target``. The sources'
    messages join the target's conversation (ordered by time, so they interleave), tags
    unite, fields the target lacks are filled from the sources, and each source becomes
    "merged" with a link to the target. Tickets of another client are refused
    (``DifferentClients``) unless ``allow_other_clients``."""
    wanted = [s.pk for s in ([source] if source is not None else [])] + [s.pk for s in sources]
    if not wanted or target.pk in wanted or len(set(wanted)) != len(wanted):
        raise ValidationError(_("Choose two different tickets to merge."), code="invalid_merge")
    locked = lock_tickets([target.pk, *wanted])
    if len(locked) != len(wanted) + 1:
        raise ValidationError(_("Choose two different tickets to merge."), code="invalid_merge")
    target = locked[target.pk]
    ordered = sorted((locked[pk] for pk in wanted), key=lambda t: (t.created_at, t.pk))
    for t in (target, *ordered):
        permissions.require(actor, "ticket.merge", t)
        if t.status == Status.MERGED:
            raise ValidationError(_("Ticket #%(number)s is already merged."),
                                  code="invalid_merge", params={"number": t.number})
    others = [t for t in ordered if t.client_id != target.client_id]
    if others and not allow_other_clients:
        names = [str(target.client), *dict.fromkeys(str(t.client) for t in others)]
        raise DifferentClients(names)
    for s in ordered:
        _merge_one(source=s, target=target, actor=actor)
    return target


def _merge_one(*, source: Ticket, target: Ticket, actor: Actor) -> None:
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
    if source.waiting_since and (target.waiting_since is None
                                 or source.waiting_since < target.waiting_since):
        target_cs.quietly("waiting_since", source.waiting_since)
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


def resolve_merged(ticket: Ticket, *, lock: bool = False) -> Ticket:
    """Follow merge links to the ticket that now carries the conversation. With ``lock``
    (the caller holds ``ticket``'s lock) each hop is locked and re-read, so a merge that
    commits meanwhile is waited for and then followed."""
    seen = set()
    while ticket.status == Status.MERGED and ticket.merged_into_id and ticket.pk not in seen:
        seen.add(ticket.pk)
        pk = ticket.merged_into_id
        ticket = lock_ticket(pk) if lock else Ticket.objects.get(pk=pk)
    return ticket
