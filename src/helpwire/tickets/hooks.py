"""The ticket side of verbs that belong to lower apps, as in-transaction hooks.

Accounts and clients may not import tickets (layers point down), yet disabling an agent,
deleting a group or merging two client cards changes tickets. Those verbs emit their event;
these hooks — registered first (``order=10``), before search and counters derive from the
result — change each ticket through a ``ChangeSet``, so every ticket gets its history line,
its ``ticket.changed`` event and its queue counts, in the same transaction.
"""

from __future__ import annotations

from helpwire.accounts.models import Agent
from helpwire.clients.models import Client
from helpwire.core import events
from helpwire.core.actors import Actor, ActorKind
from helpwire.core.models import Event
from helpwire.tickets.actions import update_ticket
from helpwire.tickets.history import ChangeSet
from helpwire.tickets.locks import lock_tickets
from helpwire.tickets.models import IN_WORK, Ticket


def actor_of(event: Event) -> Actor:
    return Actor(kind=ActorKind(event.actor_kind), agent=event.actor_agent,
                 client=event.actor_client, name=event.actor_name)


@events.in_transaction(events.CLIENT_MERGED, order=10)
def move_tickets_of_merged_client(event: Event) -> None:
    target = Client.objects.get(pk=event.payload["target_id"])
    ids = Ticket.objects.filter(client_id=event.payload["source_id"]).values_list("pk", flat=True)
    actor = actor_of(event)
    for ticket in lock_tickets(ids).values():
        cs = ChangeSet(ticket, actor, engages=False)
        cs.set("client", target)
        cs.commit()


@events.in_transaction(events.AGENT_DISABLED, order=10)
def release_tickets_of_disabled_agent(event: Event) -> None:
    """His tickets still in work go back to the queue, each through the action; solved ones
    keep his name (the statistics of who solved them)."""
    agent = Agent.objects.get(pk=event.payload["agent_id"])
    ids = (Ticket.objects.filter(assignee=agent, status__in=IN_WORK)
           .values_list("pk", flat=True))
    system = Actor.system("agent disabled")
    for ticket in lock_tickets(ids).values():
        update_ticket(ticket=ticket, actor=system, assignee=None)


@events.in_transaction(events.GROUP_DELETED, order=10)
def ungroup_tickets_of_deleted_group(event: Event) -> None:
    """Before the group row goes, its tickets leave it with history and counts (the
    foreign key would null the column silently)."""
    ids = Ticket.objects.filter(group_id=event.payload["group_id"]).values_list("pk", flat=True)
    actor = actor_of(event)
    for ticket in lock_tickets(ids).values():
        cs = ChangeSet(ticket, actor, engages=False)
        cs.set("group", None)
        cs.commit()
