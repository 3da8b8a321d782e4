"""The verbs of a ticket. Every change — from a view, the API, a bulk action or a rule —
goes through these functions: validate, write, record history, emit one event, all in one
transaction. Tickets are created only by ``create_ticket``, which only ``conversations``
calls."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from helpwire.accounts import permissions
from helpwire.accounts.models import Agent, Group, Notification
from helpwire.accounts.notify import notify
from helpwire.clients.models import Client
from helpwire.connectors.models import Channel
from helpwire.core import events, timers
from helpwire.core.actors import Actor, ActorKind
from helpwire.tickets import fields as ticket_fields
from helpwire.tickets import numbers, tags
from helpwire.tickets.history import FIELD_LABELS, ChangeSet
from helpwire.tickets.locks import hold_active_agent, lock_ticket
from helpwire.tickets.models import (
    FINISHED,
    CustomField,
    FieldValue,
    Priority,
    Status,
    Tag,
    Ticket,
    TicketType,
)

REMINDER_TIMER = "ticket.reminder"
_UNSET: Any = object()
# Statuses an agent (or rule) may set directly; "new" is only where tickets start and
# "merged" only what merge_tickets leaves behind.
SETTABLE_STATUSES = {Status.OPEN, Status.ON_HOLD, Status.PENDING, Status.SOLVED,
                     Status.CLOSED, Status.SPAM}


def _choice(value: str, choices: type[Status | Priority | TicketType], what: str) -> str:
    if value not in choices.values:
        raise ValidationError(
            _("Unknown %(what)s %(value)s; expected one of: %(choices)s."),
            code=f"invalid_{what}",
            params={"what": what, "value": value, "choices": ", ".join(choices.values)},
        )
    return value


class TicketChanged(ValidationError):
    """The edit rests on a view of the ticket that is out of date: a field the agent changed
    was changed by someone else meanwhile. The workspace answers 409 "reload", the API 409."""

    def __init__(self, fields: list[str]) -> None:
        names = [str(FIELD_LABELS.get(f, f[6:] if f.startswith("field:") else f))
                 for f in fields]
        super().__init__(
            _("The ticket changed meanwhile (%(fields)s); reload it and make your change "
              "again."), code="ticket_changed", params={"fields": ", ".join(names)})
        self.fields = fields


def _current(ticket: Ticket, name: str) -> Any:
    """A ticket attribute as the input layer writes it: ids for agents and groups."""
    if name in ("assignee", "group"):
        return getattr(ticket, f"{name}_id")
    if name.startswith("field:"):
        return ticket_fields.current(ticket).get(name[6:])
    return getattr(ticket, name)


def _check_expected(ticket: Ticket, expected: Mapping[str, Any]) -> None:
    stale = [name for name, seen in expected.items() if _current(ticket, name) != seen]
    if stale:
        raise TicketChanged(stale)


def _resolve_tags(items: Iterable[str | Tag], actor: Actor, *,
                  create: bool = True) -> list[Tag]:
    """Tags by path. A path nobody created yet becomes a new node of the tree only for an
    actor allowed to grow it ("tag.create"); removing never creates anything."""
    out = []
    for item in items:
        if isinstance(item, Tag):
            out.append(item)
            continue
        found = tags.find(item)
        if found is None and create:
            if not permissions.can(actor, "tag.create"):
                raise ValidationError(_("There is no tag “%(path)s”; ask an administrator "
                                        "to add it to the tree."), code="unknown_tag",
                                      params={"path": item})
            found = tags.ensure(item)
        if found is not None:
            out.append(found)
    return out


# No savepoint of its own: its one caller (ingest) rolls back whole on any error anyway.
@transaction.atomic(savepoint=False)
def create_ticket(
    *,
    client: Client,
    channel: Channel,
    actor: Actor,
    subject: str = "",
    priority: str = Priority.MEDIUM,
    type: str = TicketType.QUESTION,
    group: Group | None = None,
    assignee: Agent | None = None,
    tag_paths: Iterable[str | Tag] = (),
    field_values: Mapping[str, Any] | None = None,
    previous: Ticket | None = None,
    created_at: datetime | None = None,
    creator: Actor | None = None,
    internal: bool = False,
    status: str = Status.NEW,
) -> Ticket:
    """A new ticket (only ``conversations`` calls this). ``creator`` is the agent behind a
    ticket recorded in a client's name (the API, a logged call): his permissions decide
    what he may set, such as new tags. ``status`` is new, or mailing for a mass mailing's
    copy to one recipient [AU7]."""
    permissions.require(actor, "ticket.create")
    if status not in (Status.NEW, Status.MAILING):
        raise ValidationError(_("A ticket starts as new or as a mailing."),
                              code="invalid_status")
    _choice(priority, Priority, "priority")
    _choice(type, TicketType, "type")
    if assignee is not None and not assignee.is_active:
        raise ValidationError(_("This agent is disabled."), code="invalid_assignee")
    now = created_at or timezone.now()
    ticket = Ticket.objects.create(
        number=numbers.allocate()[0],
        subject=(subject or "").strip()[:500],
        status=status,
        priority=priority,
        type=type,
        client=client,
        channel=channel,
        group=group or channel.default_group,
        # CL5: the client's own agent — unless he has been disabled since.
        assignee=assignee or _active_responsible(client),
        previous=previous,
        is_internal=internal or client.is_internal,
        created_at=now,
        updated_at=now,
        last_message_at=now,
        # A client who writes waits for an answer from now on.
        waiting_since=now if actor.kind == ActorKind.CLIENT else None,
        last_client_message_at=now if actor.kind == ActorKind.CLIENT else None,
        status_changed_at=now,
    )
    tag_objs = _resolve_tags(tag_paths, creator or actor)
    if tag_objs:
        ticket.tags.add(*tag_objs)
    if field_values:
        _write_fields(ticket, field_values, ChangeSet(ticket, actor))
    events.emit(
        events.TICKET_CREATED, actor=actor, ticket_id=ticket.pk, number=ticket.number,
        channel_id=channel.pk, client_id=client.pk,
        previous_id=previous.pk if previous else None, in_hand={"ticket": ticket},
    )
    return ticket


def _active_responsible(client: Client) -> Agent | None:
    agent = client.responsible
    return agent if agent is not None and hold_active_agent(agent.pk) else None


def _apply_status(cs: ChangeSet, status: str, *, archive: bool = False) -> None:
    ticket, actor = cs.ticket, cs.actor
    _choice(status, Status, "status")
    if status == ticket.status:
        return
    if ticket.status == Status.MERGED:
        raise ValidationError(_("A merged ticket cannot change."), code="ticket_merged")
    if ticket.status == Status.CLOSED and actor.kind != "client":
        raise ValidationError(
            _("A closed ticket stays closed; the client's next message opens a new ticket."),
            code="ticket_closed",
        )
    if status not in SETTABLE_STATUSES:
        raise ValidationError(_("Status %(status)s cannot be set by hand."),
                              code="invalid_status", params={"status": status})
    if status in (Status.SOLVED, Status.CLOSED):
        # Archiving files service mail away; it answers nobody, so nothing is required.
        missing = [] if archive else ticket_fields.missing_required(ticket)
        if missing:
            raise ValidationError(
                _("Fill in the required fields first: %(fields)s."), code="required_fields",
                params={"fields": ", ".join(f.label for f in missing)},
            )
        if ticket.solved_at is None:
            cs.quietly("solved_at", timezone.now())
    if status in (Status.SOLVED, Status.CLOSED, Status.SPAM):
        cs.quietly("waiting_since", None)  # nobody waits on a finished conversation
    if ticket.remind_at is not None and status != Status.PENDING:
        _drop_reminder(cs)
    cs.set("status", status)


def _drop_reminder(cs: ChangeSet) -> None:
    timers.cancel(kind=REMINDER_TIMER, ticket_id=cs.ticket.pk)
    cs.set("remind_at", None)


def _write_fields(ticket: Ticket, values: Mapping[str, Any], cs: ChangeSet) -> None:
    allowed = {f.key: f for f in ticket_fields.for_channel(ticket.channel_id)}
    known = set(CustomField.objects.filter(key__in=list(values)).values_list("key", flat=True))
    current = ticket_fields.current(ticket)
    for key, raw in values.items():
        if key not in known:
            raise ValidationError(_("Unknown field %(key)s."), code="invalid_field",
                                  params={"key": key})
        if key not in allowed:
            raise ValidationError(_("Field %(key)s does not apply to this channel."),
                                  code="invalid_field", params={"key": key})
        field = allowed[key]
        value = ticket_fields.clean_value(field, raw)
        old = current.get(key)
        if value == old:
            continue
        if value is None:
            FieldValue.objects.filter(ticket=ticket, field=field).delete()
        else:
            FieldValue.objects.update_or_create(ticket=ticket, field=field,
                                                defaults={"value": value})
        cs.note(f"field:{key}", old, value)


@transaction.atomic
def update_ticket(
    *,
    ticket: Ticket,
    actor: Actor,
    subject: str = _UNSET,
    status: str = _UNSET,
    priority: str = _UNSET,
    type: str = _UNSET,
    assignee: Agent | None = _UNSET,
    group: Group | None = _UNSET,
    add_tags: Iterable[str | Tag] = (),
    remove_tags: Iterable[str | Tag] = (),
    field_values: Mapping[str, Any] | None = None,
    expected: Mapping[str, Any] | None = None,
    archive: bool = False,
) -> Ticket:
    """Change any of a ticket's attributes at once: one history line per attribute, one
    "ticket changed" event for the lot.

    ``expected`` holds, for the attributes being changed, the values the person saw
    (``assignee`` and ``group`` as ids, custom fields as ``field:<key>``); if any of them
    changed meanwhile the edit is refused with ``TicketChanged`` and nothing is written.

    ``archive`` closes the ticket into the archive [AU5]: out of the queues, still found
    by search; the client's next message opens a new ticket as after any closing."""
    ticket = lock_ticket(ticket.pk)
    permissions.require(actor, "ticket.edit", ticket)
    if expected:
        _check_expected(ticket, expected)
    if ticket.status == Status.MERGED:
        raise ValidationError(_("A merged ticket cannot change."), code="ticket_merged")
    cs = ChangeSet(ticket, actor)
    if subject is not _UNSET:
        subject = (subject or "").strip()[:500]
        cs.set("subject", subject)
    if priority is not _UNSET:
        cs.set("priority", _choice(priority, Priority, "priority"))
    if type is not _UNSET:
        cs.set("type", _choice(type, TicketType, "type"))
    if group is not _UNSET and group != ticket.group:
        # Moving a ticket to another group routes it, like assigning it.
        permissions.require(actor, "ticket.assign", ticket)
        cs.set("group", group, column="group")
    # A permission is checked only for a value that really changes: a form that posts the
    # whole panel back must not need "assign" to change the status.
    if assignee is not _UNSET and assignee != ticket.assignee:
        permissions.require(actor, "ticket.assign", ticket)
        if assignee is not None and not hold_active_agent(assignee.pk):
            raise ValidationError(_("This agent is disabled."), code="invalid_assignee")
        if cs.set("assignee", assignee) and assignee is not None and assignee != actor.agent:
            number = ticket.number
            notify(agent=assignee, kind=Notification.Kind.ASSIGNED, ticket_id=ticket.pk,
                   text=lambda: _("Ticket #%(number)s was assigned to you")
                   % {"number": number}, email=False)
    _change_tags(cs, add=_resolve_tags(add_tags, actor),
                 remove=_resolve_tags(remove_tags, actor, create=False))
    if field_values:
        _write_fields(ticket, field_values, cs)
    # Status last: solving checks the required fields written just above.
    if archive:
        if ticket.status != Status.CLOSED:
            _apply_status(cs, Status.CLOSED, archive=True)
        cs.set("archived", True)
    elif status is not _UNSET:
        _apply_status(cs, status)
    return cs.commit()


def _change_tags(cs: ChangeSet, *, add: list[Tag], remove: list[Tag]) -> None:
    if not add and not remove:
        return
    ticket = cs.ticket
    before = set(ticket.tags.all())
    after = (before | set(add)) - set(remove)
    if after == before:
        return
    # The through rows directly: ``tags.add`` would read back what ``before`` already holds.
    through = Ticket.tags.through
    if add:
        through.objects.bulk_create([through(ticket_id=ticket.pk, tag_id=t.pk)
                                     for t in add if t not in before], ignore_conflicts=True)
    if remove:
        through.objects.filter(ticket_id=ticket.pk,
                               tag_id__in=[t.pk for t in remove if t in before]).delete()
    cs.note("tags", [t.path for t in before], [t.path for t in after])


def set_status(*, ticket: Ticket, status: str, actor: Actor) -> Ticket:
    return update_ticket(ticket=ticket, status=status, actor=actor)


def assign(*, ticket: Ticket, assignee: Agent | None, actor: Actor) -> Ticket:
    return update_ticket(ticket=ticket, assignee=assignee, actor=actor)


@transaction.atomic
def set_reminder(*, ticket: Ticket, at: datetime, actor: Actor) -> Ticket:
    """Put the ticket aside until ``at``: it goes to pending and comes back open [TK2]."""
    ticket = lock_ticket(ticket.pk)
    permissions.require(actor, "ticket.edit", ticket)
    if timezone.is_naive(at):
        at = timezone.make_aware(at)
    try:
        in_past = at <= timezone.now()
    except OverflowError:
        in_past = True
    if in_past or at.year > 9000:
        raise ValidationError(_("A reminder must be in the future."), code="invalid_reminder")
    if ticket.status in FINISHED:
        raise ValidationError(_("A reminder cannot be set on a %(status)s ticket."),
                              code="invalid_reminder", params={"status": ticket.status})
    cs = ChangeSet(ticket, actor)
    timers.cancel(kind=REMINDER_TIMER, ticket_id=ticket.pk)
    if ticket.status != Status.PENDING:
        _apply_status(cs, Status.PENDING)
    cs.set("remind_at", at)
    timers.schedule(kind=REMINDER_TIMER, due_at=at, ticket_id=ticket.pk,
                    payload={"set_by": actor.name})
    return cs.commit()


@transaction.atomic
def clear_reminder(*, ticket: Ticket, actor: Actor) -> Ticket:
    ticket = lock_ticket(ticket.pk)
    permissions.require(actor, "ticket.edit", ticket)
    cs = ChangeSet(ticket, actor)
    if ticket.remind_at is not None:
        _drop_reminder(cs)
    return cs.commit()


def note_client_message(*, ticket: Ticket, actor: Actor, at: datetime) -> None:
    """A client wrote on this ticket: pending, on-hold and solved tickets open again."""
    cs = ChangeSet(ticket, actor)
    if ticket.status in (Status.PENDING, Status.ON_HOLD, Status.SOLVED, Status.MAILING):
        if ticket.remind_at is not None:
            _drop_reminder(cs)
        cs.set("status", Status.OPEN)
        cs.quietly("solved_at", None)
    cs.quietly("last_message_at", _latest(ticket, at))
    last = ticket.last_client_message_at
    cs.quietly("last_client_message_at", max(at, last) if last else at)
    if ticket.waiting_since is None or ticket.waiting_since > at:
        cs.quietly("waiting_since", at)
    cs.commit(now=at)


def _latest(ticket: Ticket, at: datetime) -> datetime:
    """A message that arrives late (an older mail fetched now) never moves time back."""
    return max(at, ticket.last_message_at) if ticket.last_message_at else at


def note_agent_message(*, ticket: Ticket, actor: Actor, at: datetime, public: bool,
                       status: str | None = None) -> None:
    """An agent replied (or wrote a note): the ticket opens; a reply is a response."""
    cs = ChangeSet(ticket, actor)
    if public:
        if ticket.first_response_at is None:
            cs.quietly("first_response_at", at)
        cs.quietly("last_message_at", _latest(ticket, at))
        cs.quietly("waiting_since", None)  # answered
        last = ticket.last_agent_message_at
        cs.quietly("last_agent_message_at", max(at, last) if last else at)
    if status:
        _apply_status(cs, status)
    elif ticket.status == Status.NEW:
        cs.set("status", Status.OPEN)
    cs.commit(now=at)
