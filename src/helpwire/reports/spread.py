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
from helpwire.reports.medians import Medians, Pair

log = logging.getLogger(__name__)
_TOTAL = object()  # the row key of the whole period
_CLOCKS = (False, True)  # working seconds, calendar seconds


class _Part:
    """One row's median of one metric on one clock: the value range (one bucket, or two
    with nothing between when the two middle values part) its middle values lie in, how
    many values that range holds and how many lie below it."""

    def __init__(self, counted: Counter[int]) -> None:
        total = sum(counted.values())
        self.ranks = sorted({(total - 1) // 2, total // 2})
        located = [_locate(counted, rank) for rank in self.ranks]
        first, last = located[0][0], located[-1][0]
        self.values: list[int] = []
        self.known = [buckets.only(bucket) for bucket, _place in located]
        if None not in self.known:  # buckets of one value each (0, a few seconds): no read
            self.low = self.high = self.count = self.below = 0
            return
        self.low, self.high = buckets.span(first)[0], buckets.span(last)[1]
        self.count = counted[first] + (counted[last] if last != first else 0)
        self.below = self.ranks[0] - located[0][1]

    def median(self) -> int:
        if None not in self.known:
            picked = [value or 0 for value in self.known]
        else:
            self.values.sort()
            picked = [self.values[rank - self.below] for rank in self.ranks]
        return round(sum(picked) / len(picked))


_NONE = (0, 0)  # an empty value range


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


def _summed(table: str, columns: tuple[str, ...], *, start: date, end: date,
            metrics: Sequence[str], group: str | None, where: str = "") -> list[tuple[Any, ...]]:
    """A rollup's counts over the period per metric, row (the day's row SQL) and
    ``columns``: (metric, row, *columns, count, first day, last day) — constant names only."""
    by = _row_sql(group)
    keys = ", ".join(["metric", *([by] if group else []), *columns])
    picked = ", ".join(["metric", by, *columns])
    names = ", ".join(["%s"] * len(metrics))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {picked}, SUM(count), MIN(day), MAX(day) FROM {table} "  # noqa: S608
            f"WHERE {where + ' AND ' if where else ''}day >= %s AND day <= %s "
            f"AND metric IN ({names}) GROUP BY {keys}", [start, end, *metrics])
        return cursor.fetchall()


def medians(*, start: date, end: date, metrics: Sequence[str], group: str | None,
            row_of: Callable[[Any], Any], with_total: bool = True
            ) -> tuple[Medians, dict[str, Pair]] | None:
    """Per row (``group``: "day", "week", "month"; None: no rows; ``row_of`` turns the
    row's day, Monday or first of the month into its key) and, with ``with_total``, for
    the whole period, of every fact of these ``metrics`` (no filter); None when the spread
    and the facts disagree."""
    spreads: dict[tuple[Any, str, bool], Counter[int]] = defaultdict(Counter)
    days: dict[Any, list[date]] = {_TOTAL: [start, end]}
    for metric, raw, calendar, bucket, total, first, last in _summed(
            "reports_spread", ("calendar", "bucket"), start=start, end=end, metrics=metrics,
            group=group):
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
    parts = {key: _Part(counted) for key, counted in spreads.items()
             if sum(counted.values()) > 0}
    _read(parts, days, metrics=metrics)
    if any(len(part.values) != part.count for part in parts.values()):
        log.warning("reports: a bucket of %s–%s disagrees with the facts; medians read "
                    "every value", start, end)
        return None
    rows: Medians = defaultdict(dict)
    total_row: dict[str, Pair] = {}
    for row, metric in {(row, metric) for row, metric, _c in parts}:
        pair = tuple(parts[(row, metric, c)].median() if (row, metric, c) in parts else None
                     for c in _CLOCKS)
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
    for metric, raw, total, _first, _last in _summed(
            "reports_total", (), start=start, end=end, metrics=metrics, group=group,
            where="dim = ''"):
        if group is not None:
            expected[(row_of(raw), metric)] += int(total)
        if with_total:
            expected[(_TOTAL, metric)] += int(total)
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


def _read(parts: dict[tuple[Any, str, bool], _Part], days: dict[Any, list[date]], *,
          metrics: Sequence[str]) -> None:
    """The values of every part, in one query and one pass over the period: each row's
    days of each metric are scanned once in the facts' covering index (metric, day,
    value_s, calendar_s), keeping what falls in the row's ranges or the total's."""
    scans: list[tuple[Any, str]] = sorted(
        {(row, metric) for row, metric, _c in parts if row is not _TOTAL}, key=repr)
    if not scans:  # no rows: the total alone
        scans = [(_TOTAL, metric) for metric in metrics]
    values: list[Any] = []
    targets: list[list[_Part | None]] = []
    for row, metric in scans:
        keys = [(row, metric, False), (row, metric, True)]
        if row is not _TOTAL:
            keys += [(_TOTAL, metric, False), (_TOTAL, metric, True)]
        found = [p if (p := parts.get(key)) and p.high > p.low else None for key in keys]
        found += [None] * (4 - len(found))
        if not any(found):
            continue  # every middle value is known from the spread alone
        first, last = days[row]
        values += [len(targets), metric, first, last]
        targets.append(found)
        for part in found:
            values += [part.low, part.high] if part else _NONE
    if not targets:
        return
    one = "(%s" + ", %s" * 11 + ")"
    placeholders = ", ".join([one] * len(targets))
    if connection.vendor == "postgresql":
        # VALUES rows take their types from the first row; make them explicit.
        placeholders = placeholders.replace(
            one, "(%s::int, %s::varchar, %s::date, %s::date" + ", %s::bigint" * 8 + ")", 1)
    v, c = "COALESCE(f.value_s, 0)", "COALESCE(f.calendar_s, 0)"
    wanted = (f"f.metric = n.metric AND f.day >= n.d1 AND f.day <= n.d2 "
              f"AND (({v} >= n.wl AND {v} < n.wh) OR ({c} >= n.cl AND {c} < n.ch) "
              f"OR ({v} >= n.twl AND {v} < n.twh) OR ({c} >= n.tcl AND {c} < n.tch))")
    # PostgreSQL is told to scan the index once per row (LATERAL; OFFSET 0 keeps the
    # planner from flattening it into a join, which it hashed over a scan of every fact
    # at a year by week). SQLite loops over the small side by itself.
    if connection.vendor == "postgresql":
        source = (f"n.i, x.w, x.c FROM n CROSS JOIN LATERAL "  # noqa: S608 (constants)
                  f"(SELECT {v} AS w, {c} AS c FROM reports_fact f WHERE {wanted} OFFSET 0) x")
    else:
        source = f"n.i, {v}, {c} FROM n JOIN reports_fact f ON {wanted}"
    sql = (f"WITH n (i, metric, d1, d2, wl, wh, cl, ch, twl, twh, tcl, tch) "
           f"AS (VALUES {placeholders}) SELECT {source}")
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        for i, work, calendar in cursor.fetchall():
            for part, value in zip(targets[i], (work, calendar, work, calendar), strict=True):
                if part is not None and part.low <= value < part.high:
                    part.values.append(value)
