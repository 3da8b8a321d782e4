"""Bulk actions on a selection [TK9]: each ticket goes through the same action as a single
edit (its own permission check, history row and event); one failure does not stop the rest."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import QueryDict
from django.utils.translation import gettext as _

from helpwire.accounts.models import Agent, Group
from helpwire.core.actors import Actor
from helpwire.tickets.actions import update_ticket
from helpwire.tickets.merge import merge_tickets
from helpwire.tickets.models import Status, Ticket
from helpwire.tickets.selectors import ticket_queryset

MAX_SELECTION = 500


@dataclass
class BulkResult:
    done: int = 0
    failed: list[tuple[int, str]] = field(default_factory=list)


def _changes(action: str, value: str) -> dict[str, Any]:
    if action == "assign":
        return {"assignee": Agent.objects.get(pk=int(value), is_active=True) if value else None}
    if action == "group":
        return {"group": Group.objects.get(pk=int(value)) if value else None}
    if action == "status":
        return {"status": value}
    if action == "priority":
        return {"priority": value}
    if action == "spam":
        return {"status": Status.SPAM}
    if action == "tag":
        return {"add_tags": [value]}
    if action == "untag":
        return {"remove_tags": [value]}
    raise ValidationError(_("Unknown bulk action."))


def run(*, viewer: Agent, data: QueryDict) -> BulkResult:
    ids = [int(v) for v in data.getlist("ids") if str(v).isdigit()][:MAX_SELECTION]
    action = data.get("action", "")
    value = data.get("value", "").strip()
    actor = Actor.of_agent(viewer)
    tickets = list(ticket_queryset(viewer=viewer).filter(pk__in=ids).order_by("created_at"))
    result = BulkResult()
    if action == "merge":
        # Into the oldest selected ticket, as an agent would do by hand.
        if len(tickets) < 2:
            result.failed.append((0, _("Select at least two tickets to merge.")))
            return result
        target, *sources = tickets
        tickets = sources
    try:
        changes = _changes(action, value) if action != "merge" else {}
    except (ValidationError, ValueError, Agent.DoesNotExist, Group.DoesNotExist) as exc:
        msg = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        result.failed.append((0, msg or _("Invalid value.")))
        return result
    if action == "merge":  # all or nothing, like every merge
        try:
            merge_tickets(target=target, sources=tickets, actor=actor)
            result.done = len(tickets)
        except (ValidationError, PermissionDenied) as exc:
            text = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            result.failed.append((0, text))
        return result
    for ticket in tickets:
        try:
            update_ticket(ticket=ticket, actor=actor, **changes)
            result.done += 1
        except (ValidationError, PermissionDenied) as exc:
            text = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            result.failed.append((ticket.number, text))
    return result


def selection(viewer: Agent, ids: list[int]) -> list[Ticket]:
    return list(ticket_queryset(viewer=viewer).filter(pk__in=ids))
