"""Exact medians through the durations' spread [RP2]: the same figures as sorting every
value, whatever the counts (odd, even, the two middle values in different buckets), after
changes (-1 rows) and folds, in three queries however many facts there are; and every
value read instead when the spread and the facts disagree."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from helpwire.reports import housekeeping, medians, selectors, spread
from helpwire.reports.facts import Rollup, Row, fact
from helpwire.reports.models import Fact, Spread

pytestmark = pytest.mark.django_db
START = date(2026, 9, 28)  # a Monday
END = START + timedelta(days=48)
UTC = ZoneInfo("UTC")
METRICS = ("first_reply", "resolution")


def row(metric: str, day: date, value: int, calendar: int) -> Row:
    return Row(metric=metric, day=day, at=datetime(day.year, day.month, day.day, 12, tzinfo=UTC),
               value_s=value, calendar_s=calendar, target="", agent_key=0, group_key=0,
               channel_key=1, company_key=0, priority="medium", internal=False)


def store(rows: list[Row], ticket: int = 1) -> None:
    Fact.objects.bulk_create(fact(ticket, r) for r in rows)
    Rollup().add(rows).save()


def remove(rows: list[Row]) -> None:
    for r in rows:
        Fact.objects.filter(pk=Fact.objects.filter(
            metric=r.metric, day=r.day, value_s=r.value_s, calendar_s=r.calendar_s)
            .values("pk")[:1]).delete()
    Rollup().add(rows, -1).save()


def spread_medians(group_by):
    return spread.medians(start=START, end=END, metrics=METRICS, group=group_by,
                          row_of=selectors._to_bucket(group_by))


def every_value(group_by):
    return medians.medians(Fact.objects.filter(day__gte=START, day__lte=END), metrics=METRICS,
                           field="day" if group_by else None,
                           time_group=group_by if group_by in ("week", "month") else None,
                           to_bucket=selectors._to_bucket(group_by))


def same(group_by) -> None:
    found, expected = spread_medians(group_by), every_value(group_by)
    assert found is not None
    assert found[1] == expected[1]
    if group_by:
        assert found[0] == expected[0]


@pytest.fixture
def durations():
    """A few thousand durations over seven weeks: seconds to weeks, many repeats."""
    rng = random.Random(14)
    rows = []
    for _ in range(3000):
        day = START + timedelta(days=rng.randrange(49))
        value = int(rng.lognormvariate(8, 2)) if rng.random() > 0.05 else 0
        rows.append(row(rng.choice(METRICS), day, value, value + rng.randrange(0, 90000)))
    store(rows)
    return rows


def test_it_gives_the_medians_of_every_value(durations):
    for group_by in (None, "day", "week", "month"):
        same(group_by)


def test_it_averages_two_middle_values_in_different_buckets():
    day = START + timedelta(days=3)
    store([row("first_reply", day, 100, 100), row("first_reply", day, 4000, 9000)])
    rows, total = spread_medians("day")
    assert total["first_reply"] == (2050, 4550)
    assert rows[day.isoformat()]["first_reply"] == (2050, 4550)
    assert "resolution" not in total


def test_it_knows_a_median_of_zero_without_reading(django_assert_num_queries):
    day = START + timedelta(days=3)
    store([row("first_reply", day, 0, 50) for _ in range(3)] + [
        row("first_reply", day, 7200, 9000)])
    with django_assert_num_queries(3):  # the spread, the counts, the calendar time's bucket
        rows, total = spread_medians("day")
    assert total["first_reply"] == (0, 50)  # answered on a weekend: 0 working seconds
    assert rows[day.isoformat()]["first_reply"] == (0, 50)
    assert every_value("day")[1]["first_reply"] == (0, 50)


def test_it_follows_changes_and_folds(durations):
    rng = random.Random(3)
    remove(rng.sample(durations, 400))
    store([row("resolution", START + timedelta(days=40), 7200, 7200) for _ in range(300)], 2)
    same("week")
    same(None)
    assert housekeeping.fold_days(limit=100) > 0
    assert not Spread.objects.filter(folded=False).exists()
    same("week")
    same(None)


def test_it_reads_a_few_buckets_in_three_queries(durations, django_assert_num_queries):
    with django_assert_num_queries(3):  # the spread, the rollup's counts, the buckets
        spread_medians("week")


def test_it_reads_every_value_when_the_spread_disagrees(durations):
    Spread.objects.filter(day=START + timedelta(days=10)).delete()
    assert spread_medians("week") is None
    f = selectors.ReportFilter(start=START, end=END, group_by="week")
    assert selectors.durations(f, "week") == tuple(map(dict, every_value("week")))


def test_it_gives_nothing_for_an_empty_period():
    assert spread_medians("day") == ({}, {})
