"""Exact medians of a whole period's durations without reading every value [RP2].

The ``Spread`` rollup counts each day's durations per value bucket. Summed over a report
row's days it tells how many values there are and which bucket holds the middle one (and
at what place inside it); then only the facts of that bucket's range are read and sorted.
A year of a million tickets reads a few thousand values instead of two million.

The spread is written in the same transactions as the facts, so the two agree; should
they not (a race between this module's two reads, or facts stored before the spread
existed) the bucket's count gives it away and the caller reads every value instead."""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from django.db import connection

from helpwire.reports import buckets

log = logging.getLogger(__name__)
Pair = tuple[int | None, int | None]  # (working seconds, calendar seconds)
Medians = dict[Any, dict[str, Pair]]  # row key → metric → pair
_TOTAL = object()  # the row key of the whole period
_CLOCKS = (False, True)  # working seconds, calendar seconds


class _Need:
    """The facts of one bucket that a row's median (of one metric and clock) is read from."""

    def __init__(self, row: Any, metric: str, calendar: bool, bucket: int, count: int) -> None:
        self.row, self.metric, self.calendar, self.bucket = row, metric, calendar, bucket
        self.count = count
        self.values: list[int] = []


def _row_sql(group: str | None) -> str:
    """The SQL of a day's row: itself, its week's Monday or its month's first day (built-in
    date functions: Django's truncations run Python per row on SQLite)."""
    if group is None:
        return "NULL"
    if group == "day":
        return "day"
    if connection.vendor == "postgresql":
        return f"CAST(date_trunc('{group}', day) AS date)"
    return "date(day, '-6 days', 'weekday 1')" if group == "week" else "date(day, 'start of month')"


def _grouped(by: str) -> str:
    return "" if by == "NULL" else f"{by}, "


def medians(*, start: date, end: date, metrics: Sequence[str], group: str | None,
            row_of: Callable[[Any], Any], with_total: bool = True
            ) -> tuple[Medians, dict[str, Pair]] | None:
    """Per row (``group``: "day", "week", "month"; None: no rows; ``row_of`` turns the
    row's day, Monday or first of the month into its key) and, with ``with_total``, for
    the whole period, of every fact of these ``metrics`` (no filter); None when the spread
    and the facts disagree."""
    spreads: dict[tuple[Any, str, bool], Counter[int]] = defaultdict(Counter)
    days: dict[Any, list[date]] = {_TOTAL: [start, end]}
    names = ", ".join(["%s"] * len(metrics))
    by = _row_sql(group)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT metric, calendar, {by}, bucket, SUM(count), MIN(day), MAX(day) "  # noqa: S608
            f"FROM reports_spread WHERE day >= %s AND day <= %s AND metric IN ({names}) "
            f"GROUP BY metric, calendar, {_grouped(by)}bucket", [start, end, *metrics])
        for metric, calendar, raw, bucket, total, first, last in cursor.fetchall():
            calendar, n = bool(calendar), int(total)  # PostgreSQL sums to numeric
            if group is not None:
                row = row_of(raw)
                spreads[(row, metric, calendar)][bucket] += n
                first, last = _date(first), _date(last)
                span = days.setdefault(row, [first, last])
                span[0], span[1] = min(span[0], first), max(span[1], last)
            if with_total:
                spreads[(_TOTAL, metric, calendar)][bucket] += n
    if not _agrees(spreads, start=start, end=end, metrics=metrics, group=group,
                   row_of=row_of, with_total=with_total):
        log.warning("reports: the spread of %s–%s disagrees with the rollup; medians read "
                    "every value (helpwire reports rebuild puts it right)", start, end)
        return None
    needs: dict[tuple[Any, str, bool, int], _Need] = {}
    places: dict[tuple[Any, str, bool], list[tuple[_Need, int]]] = {}
    for (row, metric, calendar), counted in spreads.items():
        total = sum(counted.values())
        if total <= 0:
            continue
        places[(row, metric, calendar)] = []
        for rank in sorted({(total - 1) // 2, total // 2}):
            bucket, place = _locate(counted, rank)
            need = needs.setdefault((row, metric, calendar, bucket),
                                    _Need(row, metric, calendar, bucket, counted[bucket]))
            places[(row, metric, calendar)].append((need, place))
    _read(list(needs.values()), days)
    if any(len(need.values) != need.count for need in needs.values()):
        log.warning("reports: a bucket of %s–%s disagrees with the facts; medians read "
                    "every value", start, end)
        return None
    rows: Medians = defaultdict(dict)
    total_row: dict[str, Pair] = {}
    for row, metric in {(row, metric) for row, metric, _c in places}:
        pair = tuple(_middle(places.get((row, metric, calendar), [])) for calendar in _CLOCKS)
        if row is _TOTAL:
            total_row[metric] = pair  # type: ignore[assignment]
        else:
            rows[row][metric] = pair  # type: ignore[assignment]
    return rows, total_row


def _agrees(spreads: dict[tuple[Any, str, bool], Counter[int]], *, start: date, end: date,
            metrics: Sequence[str], group: str | None, row_of: Callable[[Any], Any],
            with_total: bool) -> bool:
    """Whether each row's spread counts as many values, on each clock, as the rollup."""
    expected: Counter[tuple[Any, str]] = Counter()
    names = ", ".join(["%s"] * len(metrics))
    by = _row_sql(group)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT metric, {by}, SUM(count) FROM reports_total WHERE dim = '' "  # noqa: S608
            f"AND day >= %s AND day <= %s AND metric IN ({names}) "
            f"GROUP BY {_grouped(by)}metric",
            [start, end, *metrics])
        for metric, raw, total in cursor.fetchall():
            n = int(total)
            if group is not None:
                expected[(row_of(raw), metric)] += n
            if with_total:
                expected[(_TOTAL, metric)] += n
    found = {(row, metric, calendar): sum(c.values())
             for (row, metric, calendar), c in spreads.items()}
    keys = {(row, metric) for row, metric, _c in found} | {k for k, n in expected.items() if n}
    return all(found.get((*k, calendar), 0) == expected[k] for k in keys for calendar in _CLOCKS)


def _date(value: Any) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value


def _locate(counted: Counter[int], rank: int) -> tuple[int, int]:
    """The bucket holding the ``rank``-th smallest value (from 0), and its place there."""
    below = 0
    for bucket in sorted(counted):
        if rank < below + counted[bucket]:
            return bucket, rank - below
        below += counted[bucket]
    raise ValueError(rank)


def _read(needs: list[_Need], days: dict[Any, list[date]]) -> None:
    """Every value of each need's bucket, in one query: each need scans its row's days in
    the facts' covering index (metric, day, value_s, calendar_s)."""
    if not needs:
        return
    values: list[Any] = []
    for i, need in enumerate(needs):
        low, high = buckets.span(need.bucket)
        first, last = days[need.row]
        values += [i, need.metric, first, last, need.calendar, low, high]
    placeholders = ", ".join(["(%s, %s, %s, %s, %s, %s, %s)"] * len(needs))
    if connection.vendor == "postgresql":
        # VALUES rows take their types from the first row; make them explicit.
        placeholders = placeholders.replace(
            "(%s, %s, %s, %s, %s, %s, %s)",
            "(%s::int, %s::varchar, %s::date, %s::date, %s::bool, %s::bigint, %s::bigint)", 1)
    value = "COALESCE(CASE WHEN n.cal THEN f.calendar_s ELSE f.value_s END, 0)"
    sql = (f"WITH n (i, metric, d1, d2, cal, low, high) AS (VALUES {placeholders}) "  # noqa: S608
           f"SELECT n.i, {value} FROM n JOIN reports_fact f ON f.metric = n.metric "
           f"AND f.day >= n.d1 AND f.day <= n.d2 "
           f"WHERE {value} >= n.low AND {value} < n.high")
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        for i, v in cursor.fetchall():
            needs[i].values.append(v)
    for need in needs:
        need.values.sort()


def _middle(places: list[tuple[_Need, int]]) -> int | None:
    """The median from the one or two middle values' places."""
    if not places:
        return None
    picked = [need.values[place] for need, place in places]
    return round(sum(picked) / len(picked))
