"""Who sees which tickets [TM1, CH10]: one queryset filter, registered as the ticket rule
of ``accounts.permissions.can`` so that a list and a single page can never disagree.

Admins and supervisors see everything; agents see tickets of their groups or without a
group, on channels open to all groups or to one of theirs, plus tickets assigned to them or
mentioning them; contractors see only tickets assigned to them or mentioning them.
"""

from __future__ import annotations

from django.conf import settings
from django.db.models import Q, QuerySet

from helpwire.accounts import permissions
from helpwire.accounts.models import Agent, Role
from helpwire.clients.models import Client
from helpwire.connectors.models import Channel
from helpwire.tickets.models import Ticket


def visible_tickets(agent: Agent, queryset: QuerySet[Ticket] | None = None) -> QuerySet[Ticket]:
    qs = queryset if queryset is not None else Ticket.objects.all()
    if not agent.is_active:
        return qs.none()
    if permissions.sees_everything(agent):
        return qs
    # Only columns of the ticket row plus one small subquery, so the planner can walk the
    # list's sort index and filter as it goes (no joins that multiply rows).
    mentioned = Ticket.mentioned.through.objects.filter(agent_id=agent.pk).values("ticket_id")
    mine = Q(assignee_id=agent.pk) | Q(pk__in=mentioned)
    if agent.role == Role.CONTRACTOR:
        return qs.filter(mine)
    group_ids = _group_ids(agent)
    in_groups = Q(group__isnull=True) | Q(group_id__in=group_ids)
    closed = closed_channels(group_ids)
    channel_open = ~Q(channel_id__in=closed) if closed else Q()
    return qs.filter((in_groups & channel_open) | mine)


def _group_ids(agent: Agent) -> list[int]:
    return list(agent.groups.values_list("pk", flat=True))


def closed_channels(group_ids: list[int]) -> list[int]:
    """Channels limited to groups the agent is not in: he does not see them [CH10]."""
    return list(Channel.objects.filter(groups__isnull=False).exclude(groups__in=group_ids)
                .values_list("pk", flat=True).distinct())


def channel_open_to(agent: Agent, channel: Channel) -> bool:
    """Whether the agent may see (and answer through) this channel [CH10]."""
    if permissions.sees_everything(agent):
        return True
    if agent.role == Role.CONTRACTOR:
        return False
    return channel.pk not in closed_channels(_group_ids(agent))


def visible_counter_cells(agent: Agent) -> Q:
    """The same rule as ``visible_tickets``, over the queue counter cells (status, group,
    assignee, channel); mentions are not counted there."""
    if permissions.sees_everything(agent):
        return Q()
    if agent.role == Role.CONTRACTOR:
        return Q(assignee_key=agent.pk)
    group_ids = _group_ids(agent)
    closed = closed_channels(group_ids)
    return (Q(group_key__in=[0, *group_ids]) & ~Q(channel_id__in=closed)) | Q(
        assignee_key=agent.pk)


@permissions.object_rule(Ticket)
def may_see_ticket(agent: Agent, ticket: Ticket) -> bool:
    if permissions.sees_everything(agent):
        return True  # what visible_tickets would answer, without asking the database
    return visible_tickets(agent).filter(pk=ticket.pk).exists()


def visible_clients(agent: Agent, queryset: QuerySet[Client] | None = None) -> QuerySet[Client]:
    """Client cards follow tickets: an agent sees the cards of clients who have a ticket he
    may see, plus the cards he made; admins and supervisors see all. With
    HELPWIRE_CLIENTS_SHARED every agent sees every card (small teams). Identification stays
    global — an address belongs to one card — so a ticket an agent opens for a known address
    joins its card, which he then sees through that ticket."""
    qs = queryset if queryset is not None else Client.objects.all()
    if not agent.is_active:
        return qs.none()
    if permissions.sees_everything(agent) or (settings.HELPWIRE_CLIENTS_SHARED
                                              and agent.role != Role.CONTRACTOR):
        return qs
    through = visible_tickets(agent).values("client_id")
    return qs.filter(Q(pk__in=through) | Q(created_by_id=agent.pk))


@permissions.object_rule(Client)
def may_see_client(agent: Agent, client: Client) -> bool:
    return visible_clients(agent).filter(pk=client.pk).exists()
