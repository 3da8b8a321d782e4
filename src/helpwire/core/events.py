"""The one event bus. ``emit`` writes a durable row inside the caller's transaction;
subscribers run after commit in a task, never inside the write that caused them.

Later features (rules, SLA, webhooks, realtime) subscribe here without knowing each other.

Delivery is at least once, and never lost:
- ``dispatch`` claims the event row with ``FOR UPDATE SKIP LOCKED`` and keeps the lock while
  the subscribers run, so two workers never run the same event at once, and a worker that
  dies mid-run releases it untouched (its transaction rolls back);
- the event is marked dispatched only after every subscriber succeeded; each success is
  remembered in ``done``, so a retry runs only the subscribers that failed;
- the outbox sweep (``redispatch_stale``) hands out events whose ``retry_at`` has passed,
  claiming them with ``SKIP LOCKED`` and moving ``retry_at`` on in the same statement, so
  with several schedulers exactly one hands out each event.
What changes the ticket itself (search, counters, SLA clocks) is an in-transaction hook.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from helpwire.core.actors import Actor
from helpwire.core.models import Event

logger = logging.getLogger("helpwire.events")

Subscriber = Callable[[Event], None]
_subscribers: dict[str, list[Subscriber]] = defaultdict(list)
# In-transaction hooks: for derived data that must never lag the write (the search index).
# They run inside emit(), so they must be fast and free of network calls.
_inline: dict[str, list[tuple[int, Subscriber]]] = defaultdict(list)
MAX_ATTEMPTS = 5
# How long an enqueued dispatch may take to start before the sweep hands it out again.
GRACE = timedelta(minutes=2)

TICKET_CREATED = "ticket.created"
TICKET_CHANGED = "ticket.changed"
MESSAGE_RECEIVED = "message.received"
MESSAGE_SENT = "message.sent"
MESSAGE_FAILED = "message.failed"
MESSAGE_ADDED = "message.added"
TICKET_MERGED = "ticket.merged"
REMINDER_FIRED = "ticket.reminder_fired"
CLIENT_MERGED = "client.merged"
CLIENT_CHANGED = "client.changed"
AGENT_CHANGED = "agent.changed"
AGENT_DISABLED = "agent.disabled"
GROUP_DELETED = "group.deleted"


def subscribe(*kinds: str) -> Callable[[Subscriber], Subscriber]:
    """Register an after-commit handler for event kinds ("*" for every kind)."""

    def register(func: Subscriber) -> Subscriber:
        for kind in kinds:
            if func not in _subscribers[kind]:
                _subscribers[kind].append(func)
        return func

    return register


def in_transaction(*kinds: str, order: int = 100) -> Callable[[Subscriber], Subscriber]:
    """Register a hook that runs inside the emitting transaction (rolls back with it).
    Lower ``order`` runs first: the hooks that move data (tickets following a merged client)
    come before those deriving from it (search, counters)."""

    def register(func: Subscriber) -> Subscriber:
        for kind in kinds:
            hooks = _inline[kind]
            if all(f is not func for _o, f in hooks):
                hooks.append((order, func))
                hooks.sort(key=lambda item: item[0])
        return func

    return register


def remove_hook(kind: str, func: Subscriber) -> None:
    _inline[kind] = [(o, f) for o, f in _inline[kind] if f is not func]


def emit(kind: str, *, actor: Actor, ticket_id: int | None = None,
         in_hand: dict[str, Any] | None = None, **payload: object) -> Event:
    """Record an event and run its in-transaction hooks. ``in_hand`` passes the hooks
    objects the emitter already holds (the ticket just created, the message just stored),
    so they need not read back what was just written; it is never stored."""
    listened = bool(_subscribers.get(kind) or _subscribers.get("*"))
    now = timezone.now()
    # Nobody listens: the row is born handled, so the outbox sweep has nothing to retry.
    event = Event.objects.create(kind=kind, ticket_id=ticket_id, payload=payload, created_at=now,
                                 dispatched_at=None if listened else now,
                                 retry_at=now + GRACE if listened else None, **actor.columns())
    event.in_hand = in_hand or {}
    for _order, hook in list(_inline.get(kind, [])):
        hook(event)
    if listened:
        transaction.on_commit(lambda: dispatch_event.enqueue(event.pk))
    return event


def held(event: Event, name: str) -> Any:
    """An object the emitter passed along (``emit(in_hand=…)``), or None: a hook then reads
    it from the database (the event came from elsewhere, a test or a replay)."""
    return getattr(event, "in_hand", {}).get(name)


def subscribers_of(kind: str) -> list[Subscriber]:
    return [*_subscribers.get(kind, []), *_subscribers.get("*", [])]


def _name(func: Subscriber) -> str:
    return f"{func.__module__}.{func.__qualname__}"


def backoff(attempt: int) -> timedelta:
    """30 s, 2 min, 8 min, 32 min… capped at six hours."""
    return timedelta(seconds=min(30 * 4 ** (attempt - 1), 6 * 3600))


def dispatch(event_id: int, *, now: datetime | None = None) -> bool:
    """Run the event's subscribers; False when another worker holds it or it is done."""
    with transaction.atomic():
        event = (Event.objects.select_for_update(skip_locked=True)
                 .filter(pk=event_id, dispatched_at__isnull=True).first())
        if event is None:
            return False
        done = list(event.done)
        failure: Exception | None = None
        for func in subscribers_of(event.kind):
            name = _name(func)
            if name in done:
                continue
            try:
                with transaction.atomic():  # a failing subscriber leaves no half-write
                    func(event)
            except Exception as exc:
                logger.exception("event %s (%s) failed in %s", event.pk, event.kind, name)
                failure = exc
                break
            done.append(name)
        now = now or timezone.now()
        event.done = done
        if failure is None:
            event.dispatched_at, event.retry_at = now, None
        else:
            event.attempts += 1
            event.last_error = repr(failure)[:2000]
            if event.attempts >= MAX_ATTEMPTS:  # given up: kept with its error for a person
                event.dispatched_at, event.retry_at = now, None
            else:
                event.retry_at = now + backoff(event.attempts)
        event.save(update_fields=["done", "dispatched_at", "retry_at", "attempts",
                                  "last_error"])
        return failure is None


@task()
def dispatch_event(event_id: int) -> None:
    dispatch(event_id)


def redispatch_stale(*, now: datetime | None = None, limit: int = 200) -> int:
    """The outbox sweep: hand out again the events whose dispatch never ran, died, or is due
    for a retry. Each event goes to exactly one of several concurrent sweeps."""
    now = now or timezone.now()
    with transaction.atomic():
        ids = list(Event.objects.select_for_update(skip_locked=True)
                   .filter(dispatched_at__isnull=True, retry_at__lte=now)
                   .order_by("retry_at").values_list("pk", flat=True)[:limit])
        if ids:
            Event.objects.filter(pk__in=ids).update(retry_at=now + GRACE)
            transaction.on_commit(lambda: [dispatch_event.enqueue(pk) for pk in ids])
    return len(ids)
