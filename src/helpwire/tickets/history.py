"""Recording what changed on a ticket: history rows plus one "ticket changed" event.

An action collects its changes in a ``ChangeSet`` and commits them together, so a single
edit of several fields is one event listing every change [TK10].
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from helpwire.core import events
from helpwire.core.actors import Actor
from helpwire.tickets.models import Change, Status, Ticket

# History field names as people read them; custom fields ("field:<key>") use their label.
FIELD_LABELS = {
    "status": _("status"), "priority": _("priority"), "type": _("type"),
    "subject": _("subject"), "assignee": _("assignee"), "group": _("group"),
    "tags": _("tags"), "remind_at": _("reminder"), "merged": _("merged in"),
    "merged_into": _("merged into"), "client": _("client"), "channel": _("channel"),
    "bounced": _("reply returned by the mail server"), "archived": _("archived"),
    "sla_policy": _("SLA policy"),
}


def display(value: Any) -> str:
    """How a value is written into history: names for objects, codes for choices."""
    if value is None:
        return ""
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple | set):
        return ", ".join(sorted(display(v) for v in value))
    return str(value)


def event_value(value: Any) -> Any:
    """How a value travels in an event payload: ids for objects, JSON-safe scalars."""
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, list | tuple | set):
        return sorted(event_value(v) for v in value)
    return value


class ChangeSet:
    def __init__(self, ticket: Ticket, actor: Actor, *, engages: bool = True) -> None:
        """``engages=False`` for changes that are not somebody working the ticket (its
        client's cards were merged, its agent was disabled): a new ticket stays new."""
        self.ticket = ticket
        self.actor = actor
        self.engages = engages
        self.fields: set[str] = set()  # model columns to save
        self.items: list[tuple[str, Any, Any]] = []  # history lines

    def set(self, field: str, new: Any, *, column: str | None = None) -> bool:
        """Set a ticket attribute and note the change; False when nothing changes."""
        old = getattr(self.ticket, field)
        if old == new:
            return False
        setattr(self.ticket, field, new)
        self.fields.add(column or field)
        self.items.append((field, old, new))
        return True

    def quietly(self, field: str, value: Any) -> None:
        """Set a bookkeeping column (timestamps) that history does not list."""
        setattr(self.ticket, field, value)
        self.fields.add(field)

    def note(self, field: str, old: Any, new: Any) -> None:
        """A change that is not a ticket column (tags, custom fields, merge…)."""
        self.items.append((field, old, new))

    def __bool__(self) -> bool:
        return bool(self.items)

    def commit(self, *, now: datetime | None = None) -> Ticket:
        """Save, record and announce. ``now`` is when it happened (a message's own time);
        ``updated_at`` only ever moves forward, so keyset pages and sync by ``updated_at``
        never see a ticket jump back behind rows they have already passed."""
        now = now or timezone.now()
        ticket = self.ticket
        touched = max(now, ticket.updated_at) if ticket.updated_at else now
        if not self.items:
            if self.fields:
                ticket.updated_at = touched
                ticket.save(update_fields=sorted({*self.fields, "updated_at"}))
                self.fields = set()
            return ticket
        # The first thing an agent does to a new ticket makes it open (Usedesk semantics).
        if (self.engages and self.actor.is_agent and ticket.status == Status.NEW
                and "status" not in {f for f, _o, _n in self.items}):
            self.set("status", Status.OPEN)
        if any(f == "status" for f, _o, _n in self.items):
            ticket.status_changed_at = now  # time rules count "hours in status" from here
            self.fields.add("status_changed_at")
        ticket.updated_at = touched
        self.fields.add("updated_at")
        ticket.save(update_fields=sorted(self.fields))
        Change.objects.bulk_create(
            Change(ticket=ticket, field=f, old=display(o), new=display(n), created_at=now,
                   **self.actor.columns())
            for f, o, n in self.items
        )
        events.emit(
            events.TICKET_CHANGED, actor=self.actor, ticket_id=ticket.pk,
            changes={f: [event_value(o), event_value(n)] for f, o, n in self.items},
        )
        self.items = []
        self.fields = set()
        return ticket
