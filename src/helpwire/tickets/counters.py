"""Incremental queue counts. In-transaction hooks on ticket events move a ticket between
counter cells; ``rebuild`` recomputes everything (after bulk loads)."""

from __future__ import annotations

from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Q, Sum

from helpwire.core import events
from helpwire.core.models import Event
from helpwire.tickets.models import QueueCounter, Ticket

_KEYS = ("status", "group", "assignee")
_UPSERT = (
    "INSERT INTO tickets_queuecounter (status, group_key, assignee_key, channel_id, count) "
    "VALUES (%s, %s, %s, %s, %s) "
    "ON CONFLICT (status, group_key, assignee_key, channel_id) "
    "DO UPDATE SET count = tickets_queuecounter.count + excluded.count"
)


def _bump(cell: tuple[str, int, int, int], delta: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(_UPSERT, [*cell, delta])


def _cell(status: str, group: Any, assignee: Any, channel: int) -> tuple[str, int, int, int]:
    return (status, int(group or 0), int(assignee or 0), int(channel))


@events.in_transaction(events.TICKET_CREATED)
def _on_created(event: Event) -> None:
    if event.ticket_id is None:
        return
    t = Ticket.objects.filter(pk=event.ticket_id).values(
        "status", "group_id", "assignee_id", "channel_id").first()
    if t:
        _bump(_cell(t["status"], t["group_id"], t["assignee_id"], t["channel_id"]), 1)


@events.in_transaction(events.TICKET_CHANGED)
def _on_changed(event: Event) -> None:
    changes: dict[str, list[Any]] = event.payload.get("changes", {})
    if event.ticket_id is None or not any(k in changes for k in _KEYS):
        return
    t = Ticket.objects.filter(pk=event.ticket_id).values(
        "status", "group_id", "assignee_id", "channel_id").first()
    if not t:
        return
    now: dict[str, Any] = {"status": t["status"], "group": t["group_id"],
                           "assignee": t["assignee_id"]}
    before = {k: (changes[k][0] if k in changes else now[k]) for k in _KEYS}
    _bump(_cell(before["status"], before["group"], before["assignee"], t["channel_id"]), -1)
    _bump(_cell(now["status"], now["group"], now["assignee"], t["channel_id"]), 1)


@transaction.atomic
def rebuild() -> int:
    QueueCounter.objects.all().delete()
    rows = (Ticket.objects.values("status", "group_id", "assignee_id", "channel_id")
            .annotate(n=Count("pk")).order_by())
    QueueCounter.objects.bulk_create(
        QueueCounter(status=r["status"], group_key=r["group_id"] or 0,
                     assignee_key=r["assignee_id"] or 0, channel_id=r["channel_id"],
                     count=r["n"])
        for r in rows
    )
    return QueueCounter.objects.count()


def total(q: Q) -> int:
    """Sum of the cells matching ``q`` (fields: status, group_key, assignee_key,
    channel_id)."""
    return QueueCounter.objects.filter(q).aggregate(n=Sum("count"))["n"] or 0
