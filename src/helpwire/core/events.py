"""The one event bus. ``emit`` writes a durable row inside the caller's transaction;
subscribers run after commit in a task, never inside the write that caused them.

Later features (rules, SLA, webhooks, realtime) subscribe here without knowing each other.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from datetime import timedelta

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
_inline: dict[str, list[Subscriber]] = defaultdict(list)
MAX_ATTEMPTS = 5

TICKET_CREATED = "ticket.created"
TICKET_CHANGED = "ticket.changed"
MESSAGE_RECEIVED = "message.received"
MESSAGE_SENT = "message.sent"
MESSAGE_ADDED = "message.added"
TICKET_MERGED = "ticket.merged"
REMINDER_FIRED = "ticket.reminder_fired"
CLIENT_MERGED = "client.merged"
CLIENT_CHANGED = "client.changed"


def subscribe(*kinds: str) -> Callable[[Subscriber], Subscriber]:
    """Register a handler for event kinds ("*" for every kind)."""

    def register(func: Subscriber) -> Subscriber:
        for kind in kinds:
            if func not in _subscribers[kind]:
                _subscribers[kind].append(func)
        return func

    return register


def in_transaction(*kinds: str) -> Callable[[Subscriber], Subscriber]:
    """Register a hook that runs inside the emitting transaction (rolls back with it)."""

    def register(func: Subscriber) -> Subscriber:
        for kind in kinds:
            if func not in _inline[kind]:
                _inline[kind].append(func)
        return func

    return register


def emit(kind: str, *, actor: Actor, ticket_id: int | None = None, **payload: object) -> Event:
    listened = bool(_subscribers.get(kind) or _subscribers.get("*"))
    now = timezone.now()
    # Nobody listens: the row is born handled, so the outbox sweep has nothing to retry.
    event = Event.objects.create(kind=kind, ticket_id=ticket_id, payload=payload, created_at=now,
                                 dispatched_at=None if listened else now, **actor.columns())
    for hook in _inline.get(kind, []):
        hook(event)
    if listened:
        transaction.on_commit(lambda: dispatch_event.enqueue(event.pk))
    return event


def run_subscribers(event: Event) -> None:
    for func in [*_subscribers.get(event.kind, []), *_subscribers.get("*", [])]:
        func(event)


@task()
def dispatch_event(event_id: int) -> None:
    claimed = Event.objects.filter(pk=event_id, dispatched_at__isnull=True).update(
        dispatched_at=timezone.now()
    )
    if not claimed:
        return
    event = Event.objects.get(pk=event_id)
    try:
        run_subscribers(event)
    except Exception as exc:
        logger.exception("event %s (%s) failed in a subscriber", event.pk, event.kind)
        give_up = event.attempts + 1 >= MAX_ATTEMPTS
        Event.objects.filter(pk=event.pk).update(
            attempts=event.attempts + 1,
            last_error=repr(exc)[:2000],
            dispatched_at=timezone.now() if give_up else None,
        )


def redispatch_stale(*, older_than: timedelta = timedelta(minutes=2), limit: int = 100) -> int:
    """The outbox sweep: events whose dispatch task never ran (a crash between commit and
    enqueue) are handed out again."""
    cutoff = timezone.now() - older_than
    ids = list(
        Event.objects.filter(dispatched_at__isnull=True, created_at__lt=cutoff)
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
    for event_id in ids:
        dispatch_event.enqueue(event_id)
    return len(ids)
