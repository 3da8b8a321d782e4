"""Exact queue counts without a hot row.

Every transaction that creates a ticket or moves it between (status, group, assignee,
channel) cells appends delta rows (``QueueCounterDelta``) in an in-transaction hook: inserts
only, so concurrent writers never wait on each other or deadlock over a popular cell (the
old single upserted counter row made every new ticket queue behind the previous one).
``roll_up`` — a scheduler job — folds a batch of deltas into ``QueueCounter``: it deletes
them with ``SKIP LOCKED`` and adds their sums to the cells in sorted order, so concurrent
roll-ups neither double-count nor deadlock. A count is always counter + pending deltas.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Q, Sum

from helpwire.core import events, periodic
from helpwire.core.models import Event
from helpwire.tickets.models import ARCHIVED, QueueCounter, QueueCounterDelta, Ticket

# status (ARCHIVED for an archived closed ticket), group (0: none), assignee (0: nobody),
# channel
Cell = tuple[str, int, int, int]
_KEYS = ("status", "group", "assignee", "archived")
_CELL_FIELDS = ("status", "group_key", "assignee_key", "channel_id")
_UPSERT = (
    "INSERT INTO tickets_queuecounter (status, group_key, assignee_key, channel_id, count) "
    "VALUES (%s, %s, %s, %s, %s) "
    "ON CONFLICT (status, group_key, assignee_key, channel_id) "
    "DO UPDATE SET count = tickets_queuecounter.count + excluded.count"
)


def _cell(status: str, group: Any, assignee: Any, channel: int, archived: bool = False
          ) -> Cell:
    return (ARCHIVED if archived else status, int(group or 0), int(assignee or 0),
            int(channel))


def _append(moves: dict[Cell, int]) -> None:
    QueueCounterDelta.objects.bulk_create(
        QueueCounterDelta(status=c[0], group_key=c[1], assignee_key=c[2], channel_id=c[3],
                          delta=d)
        for c, d in sorted(moves.items()) if d)


def _row(ticket_id: int) -> dict[str, Any] | None:
    row = Ticket.objects.filter(pk=ticket_id).values(
        "status", "group_id", "assignee_id", "channel_id", "archived").first()
    return dict(row) if row else None


@events.in_transaction(events.TICKET_CREATED)
def _on_created(event: Event) -> None:
    held: Ticket | None = events.held(event, "ticket")
    if held is not None:
        t: dict[str, Any] | None = {"status": held.status, "group_id": held.group_id,
                                    "assignee_id": held.assignee_id,
                                    "channel_id": held.channel_id, "archived": held.archived}
    else:
        t = _row(event.ticket_id) if event.ticket_id is not None else None
    if t:
        _append({_cell(t["status"], t["group_id"], t["assignee_id"], t["channel_id"],
                       t["archived"]): 1})


@events.in_transaction(events.TICKET_CHANGED)
def _on_changed(event: Event) -> None:
    changes: dict[str, list[Any]] = event.payload.get("changes", {})
    if event.ticket_id is None or not any(k in changes for k in _KEYS):
        return
    t = _row(event.ticket_id)
    if not t:
        return
    now: dict[str, Any] = {"status": t["status"], "group": t["group_id"],
                           "assignee": t["assignee_id"], "archived": t["archived"]}
    before = {k: (changes[k][0] if k in changes else now[k]) for k in _KEYS}
    moves: Counter[Cell] = Counter()
    moves[_cell(before["status"], before["group"], before["assignee"], t["channel_id"],
                bool(before["archived"]))] -= 1
    moves[_cell(now["status"], now["group"], now["assignee"], t["channel_id"],
                now["archived"])] += 1
    _append(dict(moves))


_CLAIM = ("DELETE FROM tickets_queuecounterdelta WHERE id IN (SELECT id FROM "
          "tickets_queuecounterdelta ORDER BY id LIMIT %s{lock}) "
          "RETURNING status, group_key, assignee_key, channel_id, delta")
_CLAIM_PG = _CLAIM.format(lock=" FOR UPDATE SKIP LOCKED")
_CLAIM_SQLITE = _CLAIM.format(lock="")


def _claim_deltas(limit: int) -> list[tuple[str, int, int, int, int]]:
    sql = _CLAIM_PG if connection.vendor == "postgresql" else _CLAIM_SQLITE
    with connection.cursor() as cursor:
        cursor.execute(sql, [limit])
        return list(cursor.fetchall())


@periodic.every(2, name="tickets.counters.roll_up")
def roll_up(*, limit: int = 20000) -> int:
    """Fold up to ``limit`` pending deltas into the counter cells; returns how many."""
    with transaction.atomic():
        rows = _claim_deltas(limit)
        sums: Counter[Cell] = Counter()
        for status, group, assignee, channel, delta in rows:
            sums[(status, group, assignee, channel)] += delta
        with connection.cursor() as cursor:
            for cell in sorted(c for c, n in sums.items() if n):
                cursor.execute(_UPSERT, [*cell, sums[cell]])
    return len(rows)


def cells(q: Q | None = None) -> dict[Cell, int]:
    """Current count of every non-empty cell matching ``q`` (fields: status, group_key,
    assignee_key, channel_id): the rolled-up counters plus the pending deltas."""
    q = q or Q()
    out: Counter[Cell] = Counter()
    for *cell, n in QueueCounter.objects.filter(q).values_list(*_CELL_FIELDS, "count"):
        out[tuple(cell)] += n  # type: ignore[index]
    pending = (QueueCounterDelta.objects.filter(q).values_list(*_CELL_FIELDS)
               .annotate(n=Sum("delta")).order_by())
    for *cell, n in pending:
        out[tuple(cell)] += n  # type: ignore[index]
    return {c: n for c, n in out.items() if n}


def snapshot() -> dict[Cell, int]:
    return cells()


def recount() -> dict[Cell, int]:
    """The same cells counted from the tickets themselves (for tests and checks)."""
    rows = (Ticket.objects.values("status", "group_id", "assignee_id", "channel_id", "archived")
            .annotate(n=Count("pk")).order_by())
    return {_cell(r["status"], r["group_id"], r["assignee_id"], r["channel_id"],
                  r["archived"]): r["n"] for r in rows}


@transaction.atomic
def rebuild() -> int:
    """Recount every cell from the tickets (after bulk loads that wrote no events). On
    PostgreSQL ticket writers wait meanwhile, so no delta slips between count and write."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("LOCK TABLE tickets_ticket IN SHARE MODE")
    QueueCounterDelta.objects.all().delete()
    QueueCounter.objects.all().delete()
    QueueCounter.objects.bulk_create(
        QueueCounter(status=c[0], group_key=c[1], assignee_key=c[2], channel_id=c[3], count=n)
        for c, n in recount().items()
    )
    return QueueCounter.objects.count()


def total(q: Q) -> int:
    """Sum of the cells matching ``q`` (fields: status, group_key, assignee_key,
    channel_id)."""
    return sum(cells(q).values())
