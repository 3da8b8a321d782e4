"""Exact medians of durations over the facts, per report row and for the whole period.

PostgreSQL computes them itself (``percentile_cont`` over grouping sets: one pass gives the
rows and the total). SQLite has no percentile function: the values are read through the
raw cursor, with none of the ORM's per-value conversion, and sorted here. Either way the
median of an even count is the mean of the two middle values."""

from __future__ import annotations

import bisect
import itertools
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

from django.db import connection
from django.db.models import F, IntegerField, QuerySet, Value
from django.db.models.functions import TruncMonth, TruncWeek

from helpwire.reports.models import Fact

Pair = tuple[int | None, int | None]  # (working seconds, calendar seconds)
Medians = dict[Any, dict[str, Pair]]  # row key → metric → pair


def _bucket_expression(field: str | None, time_group: str | None) -> Any:
    if time_group == "week":
        return TruncWeek("day")
    if time_group == "month":
        return TruncMonth("day")
    return F(field) if field else Value(0, output_field=IntegerField())


def _sql(qs: QuerySet[Fact], bucket: Any) -> tuple[str, tuple[Any, ...]]:
    inner = qs.annotate(m=F("metric"), b=bucket, v=F("value_s"), c=F("calendar_s")).values(
        "m", "b", "v", "c").order_by()
    return inner.query.sql_with_params()


def medians(qs: QuerySet[Fact], *, metrics: Sequence[str], field: str | None,
            time_group: str | None, to_bucket: Callable[[Any], Any], with_total: bool = True
            ) -> tuple[Medians, dict[str, Pair]]:
    """Per row (``to_bucket`` of the day or dimension value) and, with ``with_total``, for
    everything together, of the facts in ``qs`` of these ``metrics``."""
    qs = qs.filter(metric__in=list(metrics))
    if connection.vendor == "postgresql":
        return _in_database(qs, field=field, time_group=time_group, to_bucket=to_bucket,
                            with_total=with_total)
    return _here(qs, metrics=metrics, field=field, to_bucket=to_bucket,
                 with_total=with_total)


def _in_database(qs: QuerySet[Fact], *, field: str | None, time_group: str | None,
                 to_bucket: Callable[[Any], Any], with_total: bool
                 ) -> tuple[Medians, dict[str, Pair]]:
    sql, params = _sql(qs, _bucket_expression(field, time_group))
    sets = "(s.m, s.b), (s.m)" if with_total else "(s.m, s.b)"
    outer = ("SELECT s.m, s.b, percentile_cont(0.5) WITHIN GROUP (ORDER BY s.v), "  # noqa: S608
             "percentile_cont(0.5) WITHIN GROUP (ORDER BY s.c), GROUPING(s.b) "
             f"FROM ({sql}) s GROUP BY GROUPING SETS ({sets})")
    rows: Medians = defaultdict(dict)
    total: dict[str, Pair] = {}
    with connection.cursor() as cursor:
        cursor.execute(outer, params)
        for metric, bucket, work, calendar, is_total in cursor.fetchall():
            pair = (_round(work), _round(calendar))
            if is_total:
                total[metric] = pair
            else:
                rows[to_bucket(bucket)][metric] = pair
    return rows, total


def _here(qs: QuerySet[Fact], *, metrics: Sequence[str], field: str | None,
          to_bucket: Callable[[Any], Any], with_total: bool
          ) -> tuple[Medians, dict[str, Pair]]:
    """One ordered read per metric (by day it is the index's order: no sort), split into
    rows at the key's boundaries with bisect, each row's values sorted by ``sorted`` —
    no Python work per value, which a year of a million tickets would not afford."""
    rows: Medians = defaultdict(dict)
    total: dict[str, Pair] = {}
    # Days are never empty, and ordered by the index; other keys (no tag: NULL) are sorted.
    order = "b" if field == "day" else "COALESCE(b, 0)"
    with connection.cursor() as cursor:
        for metric in metrics:
            sql, params = _sql(qs.filter(metric=metric), _bucket_expression(field, None))
            cursor.execute(f"SELECT {order} AS k, COALESCE(v, 0), "  # noqa: S608
                           f"COALESCE(c, 0) FROM ({sql}) ORDER BY k", params)
            fetched = cursor.fetchall()
            if not fetched:
                continue
            keys, work, calendar = (list(column) for column in zip(*fetched, strict=True))
            parts: dict[Any, tuple[list[int], list[int]]] = defaultdict(lambda: ([], []))
            start = 0
            while start < len(keys):
                end = bisect.bisect_right(keys, keys[start], lo=start)
                part = parts[to_bucket(keys[start])]
                part[0].extend(work[start:end])
                part[1].extend(calendar[start:end])
                start = end
            sorted_work: list[list[int]] = []
            sorted_calendar: list[list[int]] = []
            for bucket, (w, c) in parts.items():
                w.sort()
                c.sort()
                rows[bucket][metric] = (_middle(w), _middle(c))
                sorted_work.append(w)
                sorted_calendar.append(c)
            if with_total:
                # Sorted runs one after another: Timsort merges them in about linear time.
                total[metric] = (_middle(sorted(itertools.chain.from_iterable(sorted_work))),
                                 _middle(sorted(itertools.chain.from_iterable(
                                     sorted_calendar))))
    return rows, total


def _middle(ordered: Sequence[int]) -> int | None:
    """The median of sorted values."""
    if not ordered:
        return None
    n = len(ordered)
    return round((ordered[(n - 1) // 2] + ordered[n // 2]) / 2)


def _round(value: float | None) -> int | None:
    return None if value is None else round(value)
