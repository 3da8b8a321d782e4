"""The one lock order. Every transaction that writes takes its locks in this order, so two
transactions can wait for each other but never deadlock:

1. a conversation key (``lock_thread_keys``: intake only, before it knows the ticket);
2. client cards, ascending id (identifying a sender, merging cards); an agent row when he
   is disabled (his tickets are released after);
3. tickets, ascending id (``lock_tickets``) — *the ticket first*: before any row that hangs
   off a ticket;
4. what hangs off tickets: messages, thread keys, field values, timers, search documents —
   and, when a ticket is given to an agent, that agent's row ``FOR KEY SHARE``
   (``hold_active_agent``), which only ever waits for a disable in progress.

Queue counts take no lock at all (append-only deltas, ``counters``). Background sweeps
claim with ``SKIP LOCKED``: a ticket someone is editing is left for the next sweep rather
than waited for (timers, event dispatch, deliveries).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection

from helpwire.accounts.models import Agent
from helpwire.core import advisory, timers
from helpwire.tickets.models import Ticket


def lock_tickets(ids: Iterable[int]) -> dict[int, Ticket]:
    """Lock these tickets in ascending id order and return them fresh from the database."""
    wanted = sorted(set(ids))
    return {t.pk: t for t in Ticket.objects.select_for_update().filter(pk__in=wanted)
            .order_by("pk")}


def lock_ticket(pk: int) -> Ticket:
    return Ticket.objects.select_for_update().get(pk=pk)


@timers.lock_tickets_with
def try_lock_ticket(pk: int) -> bool:
    """For sweeps: lock the ticket if nobody holds it; True also when it no longer exists."""
    if list(Ticket.objects.select_for_update(skip_locked=True).filter(pk=pk)
            .values_list("pk", flat=True)[:1]):
        return True
    return not Ticket.objects.filter(pk=pk).exists()


def lock_thread_keys(scope: str, keys: Iterable[str]) -> None:
    """Serialise every transaction that threads a message on any of these keys within a
    key space (a channel, or every mailbox): the second waits until the first has
    committed its ticket and key, then finds them."""
    advisory.lock(f"thread:{scope}:{k}" for k in keys if k)


def hold_active_agent(agent_id: int) -> bool:
    """Whether the agent is active, held so that a concurrent ``disable_agent`` (which locks
    the agent row, then releases his tickets) either finishes first and is seen here, or
    waits until this ticket's transaction has committed and then releases this ticket too.
    ``FOR KEY SHARE`` never blocks other tickets being assigned to him."""
    if connection.vendor != "postgresql":
        return Agent.objects.filter(pk=agent_id, is_active=True).exists()
    with connection.cursor() as cursor:
        cursor.execute("SELECT is_active FROM accounts_agent WHERE id = %s FOR KEY SHARE",
                       [agent_id])
        row = cursor.fetchone()
    return bool(row and row[0])
