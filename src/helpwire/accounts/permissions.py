"""The one permission check [TM1, CH10]. Views, API endpoints, bulk actions and rules all
ask here; nothing else decides who may see or touch a ticket.

Ticket visibility is one queryset filter (``visible_tickets``); the per-object check runs
the same filter against the one row, so lists and single pages can never disagree.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from helpwire.accounts.models import Agent, Role
from helpwire.core.actors import Actor

if TYPE_CHECKING:
    from helpwire.tickets.models import Ticket

# What each role may do beyond seeing tickets. Agents and contractors act only on
# tickets they can see.
_ROLE_PERMS: dict[str, set[str]] = {
    Role.ADMIN: {
        "ticket.view", "ticket.edit", "ticket.assign", "ticket.create", "ticket.merge",
        "ticket.bulk", "client.view", "client.edit", "client.merge", "settings.manage",
    },
    Role.SUPERVISOR: {
        "ticket.view", "ticket.edit", "ticket.assign", "ticket.create", "ticket.merge",
        "ticket.bulk", "client.view", "client.edit", "client.merge",
    },
    Role.AGENT: {
        "ticket.view", "ticket.edit", "ticket.assign", "ticket.create", "ticket.merge",
        "ticket.bulk", "client.view", "client.edit",
    },
    Role.CONTRACTOR: {"ticket.view", "ticket.edit"},
}


def visible_tickets(agent: Agent, queryset: QuerySet[Ticket] | None = None) -> QuerySet[Ticket]:
    from helpwire.tickets.models import Ticket

    qs = queryset if queryset is not None else Ticket.objects.all()
    if not agent.is_active:
        return qs.none()
    if agent.role in (Role.ADMIN, Role.SUPERVISOR):
        return qs
    # Only columns of the ticket row plus one small subquery, so the planner can walk the
    # list's sort index and filter as it goes (no joins that multiply rows).
    mentioned = Ticket.mentioned.through.objects.filter(agent_id=agent.pk).values("ticket_id")
    mine = Q(assignee_id=agent.pk) | Q(pk__in=mentioned)
    if agent.role == Role.CONTRACTOR:
        return qs.filter(mine)
    group_ids = list(agent.groups.values_list("pk", flat=True))
    in_groups = Q(group__isnull=True) | Q(group_id__in=group_ids)
    closed = _closed_channels(group_ids)
    channel_open = ~Q(channel_id__in=closed) if closed else Q()
    return qs.filter((in_groups & channel_open) | mine)


def _closed_channels(group_ids: list[int]) -> list[int]:
    """Channels limited to groups the agent is not in: he does not see them [CH10]."""
    from helpwire.connectors.models import Channel

    return list(Channel.objects.filter(groups__isnull=False).exclude(groups__in=group_ids)
                .values_list("pk", flat=True).distinct())


def visible_counter_cells(agent: Agent) -> Q:
    """The same rule as ``visible_tickets``, over the queue counter cells (status, group,
    assignee, channel); mentions are not counted there."""
    if agent.role in (Role.ADMIN, Role.SUPERVISOR):
        return Q()
    if agent.role == Role.CONTRACTOR:
        return Q(assignee_key=agent.pk)
    group_ids = list(agent.groups.values_list("pk", flat=True))
    closed = _closed_channels(group_ids)
    return (Q(group_key__in=[0, *group_ids]) & ~Q(channel_id__in=closed)) | Q(
        assignee_key=agent.pk)


def can(actor: Actor | Agent, perm: str, obj: object | None = None) -> bool:
    agent = actor if isinstance(actor, Agent) else actor.agent
    if agent is None:
        # Clients, rules and the system act through code paths that already decided.
        return True
    if not agent.is_active or perm not in _ROLE_PERMS.get(agent.role, set()):
        return False
    from helpwire.tickets.models import Ticket

    if isinstance(obj, Ticket):
        return visible_tickets(agent).filter(pk=obj.pk).exists()
    return True


def require(actor: Actor | Agent, perm: str, obj: object | None = None) -> None:
    if not can(actor, perm, obj):
        raise PermissionDenied(_("You are not allowed to do this."))


def may_see_contacts(agent: Agent) -> bool:
    """Contractors see a ticket's conversation but not the client's emails and phones."""
    return agent.role != Role.CONTRACTOR
