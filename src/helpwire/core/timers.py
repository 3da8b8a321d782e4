"""Generic timers: rows with an indexed ``due_at`` that the scheduler sweeps.

Each timer fires exactly once even with several schedulers running: a timer is claimed by a
conditional UPDATE (``fired_at IS NULL``) in the same transaction as its handler, so a second
sweeper either waits for the first to commit and then finds nothing, or the first rolls back
and the timer stays due.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from helpwire.core.models import Timer

logger = logging.getLogger("helpwire.timers")

Handler = Callable[[Timer], None]
_handlers: dict[str, Handler] = {}
MAX_ATTEMPTS = 5


def handler(kind: str) -> Callable[[Handler], Handler]:
    def register(func: Handler) -> Handler:
        _handlers[kind] = func
        return func

    return register


def schedule(*, kind: str, due_at: datetime, ticket_id: int | None = None,
             payload: dict[str, object] | None = None) -> Timer:
    return Timer.objects.create(kind=kind, due_at=due_at, ticket_id=ticket_id,
                                payload=payload or {})


def cancel(*, kind: str, ticket_id: int) -> int:
    """Drop the not-yet-fired timers of a kind on a ticket."""
    deleted, _ = Timer.objects.filter(kind=kind, ticket_id=ticket_id,
                                      fired_at__isnull=True).delete()
    return deleted


def _fire(pk: int, now: datetime) -> bool:
    with transaction.atomic():
        if not Timer.objects.filter(pk=pk, fired_at__isnull=True).update(fired_at=now):
            return False
        timer = Timer.objects.get(pk=pk)
        func = _handlers.get(timer.kind)
        if func is None:
            Timer.objects.filter(pk=pk).update(last_error=f"no handler for {timer.kind!r}")
            return False
        func(timer)
        return True


def sweep(*, now: datetime | None = None, limit: int = 200) -> int:
    """Fire every due timer (up to ``limit``); returns how many fired here."""
    now = now or timezone.now()
    due = list(
        Timer.objects.filter(fired_at__isnull=True, due_at__lte=now)
        .order_by("due_at")
        .values_list("pk", "attempts")[:limit]
    )
    fired = 0
    for pk, attempts in due:
        try:
            fired += _fire(pk, now)
        except Exception as exc:
            logger.exception("timer %s failed", pk)
            # Retry on the next sweeps, then give up with the reason kept on the row.
            Timer.objects.filter(pk=pk).update(
                attempts=attempts + 1,
                last_error=repr(exc)[:2000],
                fired_at=now if attempts + 1 >= MAX_ATTEMPTS else None,
            )
    return fired
