"""Generic timers: rows with an indexed ``due_at`` that the scheduler sweeps.

Each timer fires exactly once even with several schedulers running. Lock order is the
house rule — the ticket first, then what hangs off it — so a sweep can never deadlock with
an agent's edit (which locks the ticket, then cancels or replaces its timers):

1. the timer's ticket is locked with ``SKIP LOCKED``: a ticket someone is editing right now
   is left for the next sweep instead of waited for;
2. the timer row is claimed with ``SKIP LOCKED`` and re-checked (``fired_at IS NULL``): it
   may have been fired by another sweep or cancelled by the edit we just waited out;
3. the handler runs in the same transaction, so a failure rolls its writes back and the
   timer stays due, retried with a backoff and given up after ``MAX_ATTEMPTS``.

A process only sweeps kinds it has a handler for; the others wait for a process that has.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from helpwire.core.models import Timer

logger = logging.getLogger("helpwire.timers")

Handler = Callable[[Timer], None]
# Locks the ticket row with SKIP LOCKED: True when locked (or gone), False when busy.
TicketLock = Callable[[int], bool]
_handlers: dict[str, Handler] = {}
_ticket_lock: list[TicketLock] = []
MAX_ATTEMPTS = 5


def handler(kind: str) -> Callable[[Handler], Handler]:
    def register(func: Handler) -> Handler:
        _handlers[kind] = func
        return func

    return register


def lock_tickets_with(func: TicketLock) -> TicketLock:
    """The tickets app tells the sweep how to lock a ticket (core cannot import it)."""
    _ticket_lock[:] = [func]
    return func


def schedule(*, kind: str, due_at: datetime, ticket_id: int | None = None,
             payload: dict[str, object] | None = None) -> Timer:
    return Timer.objects.create(kind=kind, due_at=due_at, ticket_id=ticket_id,
                                payload=payload or {})


def cancel(*, kind: str, ticket_id: int) -> int:
    """Drop the not-yet-fired timers of a kind on a ticket (the caller holds its lock)."""
    deleted, _ = Timer.objects.filter(kind=kind, ticket_id=ticket_id,
                                      fired_at__isnull=True).delete()
    return deleted


def backoff(attempt: int) -> timedelta:
    return timedelta(seconds=min(30 * 4 ** (attempt - 1), 6 * 3600))


def _fire(pk: int, ticket_id: int | None, now: datetime) -> bool:
    with transaction.atomic():
        if ticket_id is not None and _ticket_lock and not _ticket_lock[0](ticket_id):
            return False  # an agent is editing this ticket: the next sweep takes it
        timer = (Timer.objects.select_for_update(skip_locked=True)
                 .filter(pk=pk, fired_at__isnull=True, due_at__lte=now).first())
        if timer is None:
            return False
        try:
            with transaction.atomic():
                _handlers[timer.kind](timer)
        except Exception as exc:
            logger.exception("timer %s (%s) failed", timer.pk, timer.kind)
            timer.attempts += 1
            timer.last_error = repr(exc)[:2000]
            if timer.attempts >= MAX_ATTEMPTS:
                timer.fired_at = now  # given up; the error stays on the row
            else:
                timer.due_at = now + backoff(timer.attempts)
            timer.save(update_fields=["attempts", "last_error", "fired_at", "due_at"])
            return False
        timer.fired_at = now
        timer.save(update_fields=["fired_at"])
        return True


def sweep(*, now: datetime | None = None, limit: int = 200) -> int:
    """Fire due timers (up to ``limit``) of the kinds this process handles; returns how many
    fired here."""
    now = now or timezone.now()
    due = list(
        Timer.objects.filter(fired_at__isnull=True, due_at__lte=now, kind__in=list(_handlers))
        .order_by("due_at")
        .values_list("pk", "ticket_id")[:limit]
    )
    return sum(_fire(pk, ticket_id, now) for pk, ticket_id in due)
