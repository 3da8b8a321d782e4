"""The reports' scheduled jobs: folding the daily rollup and the nightly snapshot of
open, pending and on-hold tickets. Both are safe with several schedulers running."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone

from helpwire.core import periodic
from helpwire.reports.facts import zone
from helpwire.reports.models import DIMENSIONS, Daily, Snapshot, Spread, Total
from helpwire.tickets import counters
from helpwire.tickets.models import Status

SNAPSHOT_STATUSES = (Status.OPEN, Status.PENDING, Status.ON_HOLD)
SUMS = ("count", "sum_s", "sum_calendar_s")
# Each rollup table, its key columns and the columns it adds up.
ROLLUPS: tuple[tuple[type[models.Model], tuple[str, ...], tuple[str, ...]], ...] = (
    (Daily, DIMENSIONS, SUMS), (Total, ("metric", "day", "dim", "key"), SUMS),
    (Spread, ("metric", "day", "calendar", "bucket"), ("count",)))


def today() -> date:
    return timezone.now().astimezone(zone()).date()


def fold_day(model: type[models.Model], keys: tuple[str, ...], day: date,
             added: tuple[str, ...] = SUMS) -> int:
    """Replace a day's rollup rows by one per key, adding up the ``added`` columns.
    DELETE … RETURNING takes exactly the rows it removes, so a row another transaction
    adds meanwhile stays for the next run."""
    table = model._meta.db_table
    sql = (f"DELETE FROM {table} WHERE day = %s "  # noqa: S608 (constant names)
           f"RETURNING {', '.join(keys)}, {', '.join(added)}")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [day])
        sums: dict[tuple[object, ...], list[int]] = defaultdict(lambda: [0] * len(added))
        taken = 0
        for row in cursor.fetchall():
            taken += 1
            cell = sums[row[:len(keys)]]
            for i, value in enumerate(row[len(keys):]):
                cell[i] += value
        model._default_manager.bulk_create(
            model(**_typed(model, dict(zip(keys, key, strict=True))),
                  **dict(zip(added, values, strict=True)), folded=True)
            for key, values in sums.items() if any(values))
    return taken


def _typed(model: type[models.Model], values: dict[str, object]) -> dict[str, object]:
    # SQLite hands dates and booleans back as text and integers.
    if isinstance(values["day"], str):
        values["day"] = date.fromisoformat(values["day"])
    for name, value in values.items():
        if isinstance(model._meta.get_field(name), models.BooleanField):
            values[name] = bool(value)
    return values


@periodic.every(300, name="reports.fold")
def fold() -> int:
    return fold_days(limit=30)


def fold_days(*, limit: int) -> int:
    """Fold up to ``limit`` days before today that have new rows, in each rollup (today's
    keep growing); returns how many rows were taken in."""
    taken = 0
    for model, keys, added in ROLLUPS:
        days = list(model._default_manager.filter(folded=False, day__lt=today())
                    .order_by("day").values_list("day", flat=True).distinct()[:limit])
        taken += sum(fold_day(model, keys, d, added) for d in days)
    return taken


@periodic.every(600, name="reports.snapshot")
def take_snapshot(*, day: date | None = None) -> bool:
    """Open, pending and on-hold tickets per group, agent and channel at the end of
    ``day`` (yesterday by default: the first run after midnight takes it)."""
    day = day or today() - timedelta(days=1)
    if Snapshot.objects.filter(day=day).exists():
        return False
    cells = counters.cells()
    try:
        with transaction.atomic():
            Snapshot.objects.bulk_create(
                Snapshot(day=day, status=status, group_key=group, agent_key=agent,
                         channel_key=channel, count=n)
                for (status, group, agent, channel), n in sorted(cells.items())
                if status in SNAPSHOT_STATUSES)
    except IntegrityError:
        return False  # another scheduler took it first
    return True
