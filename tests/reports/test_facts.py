"""Every metric against a hand-computed ticket [RP2]: the support group works Mon–Fri
9–18 (Moscow); a client writes on Friday at 17:00, the agent answers on Monday. Working
seconds count office hours only, calendar seconds everything."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.db.models import Sum

from helpwire.conversations import reply
from helpwire.core.actors import Actor
from helpwire.reports import buckets, facts, housekeeping, inputs, selectors
from helpwire.reports.models import TIMED, TOTAL_DIMS, Daily, Fact, Spread, Total
from helpwire.tickets import counters as tickets_counters
from helpwire.tickets.actions import set_status
from tests.automation.test_rule_sending import office

MSK = ZoneInfo("Europe/Moscow")
FRIDAY_17 = datetime(2026, 12, 4, 17, 0, tzinfo=MSK)
MONDAY = datetime(2026, 12, 7, 0, 0, tzinfo=MSK)
H = 3600


def at(moment):
    return time_machine.travel(moment, tick=False)


@pytest.fixture
def worked(inbound, agent, support):
    """The ticket's whole life (times in the comments are Moscow time)."""
    office(support)
    me = Actor.of_agent(agent)
    with at(FRIDAY_17):
        ticket = inbound("Не приходит посылка", thread="w1",
                         ticket_defaults={"group_id": support.pk}).ticket
    with at(FRIDAY_17 + timedelta(minutes=1)):  # an acknowledgement: nobody's answer
        reply(ticket=ticket, actor=Actor.system("rule"), text="Мы получили письмо",
              automatic=True)
    with at(FRIDAY_17 + timedelta(minutes=5)):  # a note is no reply
        reply(ticket=ticket, actor=me, text="Проверю склад", kind="note")
    with at(MONDAY + timedelta(hours=10)):  # first reply: 1 working hour Fri + 1 Mon
        reply(ticket=ticket, actor=me, text="Посылка в пути")
    with at(MONDAY + timedelta(hours=11)):
        inbound("А когда приедет?", thread="w1")
    with at(MONDAY + timedelta(hours=11, minutes=30)):  # next reply: 30 min
        reply(ticket=ticket, actor=me, text="Завтра")
    with at(MONDAY + timedelta(hours=12)):  # first resolution: 1 h Fri + 3 h Mon
        set_status(ticket=ticket, status="solved", actor=me)
    with at(MONDAY + timedelta(hours=13)):  # the client reopens it
        inbound("Не приехала", thread="w1")
    with at(MONDAY + timedelta(hours=14)):  # next reply 1 h; full resolution 1 h + 5 h
        reply(ticket=ticket, actor=me, text="Курьер уже едет", status="solved")
    ticket.refresh_from_db()
    return ticket


def stored(ticket):
    return sorted((f.metric, f.day.isoformat(), f.value_s, f.calendar_s, f.agent_key)
                  for f in Fact.objects.filter(ticket=ticket))


def test_it_measures_every_metric_in_working_and_calendar_seconds(worked, agent, support):
    a = agent.pk
    assert stored(worked) == sorted([
        ("created", "2026-12-04", None, None, 0),  # nobody is assigned
        ("first_reply", "2026-12-07", 2 * H, 65 * H, a),
        ("reply", "2026-12-07", 30 * 60, 30 * 60, a),
        ("reply", "2026-12-07", 1 * H, 1 * H, a),
        ("replies", "2026-12-07", None, None, a),
        ("replies", "2026-12-07", None, None, a),
        ("replies", "2026-12-07", None, None, a),
        ("first_resolution", "2026-12-07", 4 * H, 67 * H, a),
        ("reopened", "2026-12-07", None, None, 0),
        ("solved", "2026-12-07", None, None, a),
        ("resolution", "2026-12-07", 6 * H, 69 * H, a),
    ])
    f = Fact.objects.filter(ticket=worked).first()
    assert (f.group_key, f.channel_key, f.priority, f.internal) == (
        support.pk, worked.channel_id, "medium", False)


def test_it_keeps_the_rollup_equal_to_the_facts(worked):
    rolled = {(d.metric, d.day): [0, 0, 0] for d in Daily.objects.all()}
    for d in Daily.objects.all():
        rolled[(d.metric, d.day)][0] += d.count
        rolled[(d.metric, d.day)][1] += d.sum_s
        rolled[(d.metric, d.day)][2] += d.sum_calendar_s
    expected: dict = {}
    for f in Fact.objects.all():
        cell = expected.setdefault((f.metric, f.day), [0, 0, 0])
        cell[0] += 1
        cell[1] += f.value_s or 0
        cell[2] += f.calendar_s or 0
    assert {k: v for k, v in rolled.items() if any(v)} == expected
    for dim, column in TOTAL_DIMS.items():  # each dimension's totals add up the same
        by_dim: dict = {}
        for t in Total.objects.filter(dim=dim):
            cell = by_dim.setdefault((t.metric, t.day), [0, 0, 0])
            for i, v in enumerate((t.count, t.sum_s, t.sum_calendar_s)):
                cell[i] += v
        assert {k: v for k, v in by_dim.items() if any(v)} == expected, dim
        if column:
            keys = set(Total.objects.filter(dim=dim).values_list("key", flat=True))
            assert keys == set(Fact.objects.values_list(column, flat=True))
    spread: dict = {}  # each duration once per clock, in its value's bucket
    for s in Spread.objects.all():
        key = (s.metric, s.day, s.calendar, s.bucket)
        spread[key] = spread.get(key, 0) + s.count
    durations: dict = {}
    for f in Fact.objects.filter(metric__in=TIMED):
        for calendar, value in ((False, f.value_s), (True, f.calendar_s)):
            key = (f.metric, f.day, calendar, buckets.of(value or 0))
            durations[key] = durations.get(key, 0) + 1
    assert {k: n for k, n in spread.items() if n} == durations and durations


def test_it_rebuilds_the_same_facts_from_history(worked):
    before = stored(worked)
    Fact.objects.all().delete()
    Daily.objects.all().delete()
    facts.sync(worked.pk)
    assert stored(worked) == before


def test_it_counts_a_one_touch_resolution_and_drops_spam(inbound, agent, support):
    me = Actor.of_agent(agent)
    with at(FRIDAY_17):
        ticket = inbound("Где чек?", thread="o1").ticket
        spam = inbound("Купите рекламу", thread="s1", email="spam@spam.example").ticket
    with at(FRIDAY_17 + timedelta(minutes=20)):
        reply(ticket=ticket, actor=me, text="Отправили", status="solved")
        set_status(ticket=spam, status="spam", actor=me)
    metrics = [m for m, *_rest in stored(ticket)]
    assert "one_touch" in metrics and "solved" in metrics
    # 24/7 without a calendar: working time is calendar time.
    first = Fact.objects.get(ticket=ticket, metric="first_reply")
    assert (first.value_s, first.calendar_s, first.day) == (1200, 1200, date(2026, 12, 4))
    assert not Fact.objects.filter(ticket=spam).exists()
    assert sum(d.count for d in Daily.objects.filter(metric="created")) == 1


def test_it_folds_a_days_rollup_rows_into_one_per_key(worked):
    before = {(d.metric, d.day): d for d in Daily.objects.all()}
    with at(MONDAY + timedelta(days=2)):
        housekeeping.fold()
    after = list(Daily.objects.all())
    assert all(d.folded for d in after) and len(after) <= len(before)
    sums: dict = {}
    for d in after:
        sums[(d.metric, d.day)] = sums.get((d.metric, d.day), 0) + d.count
    assert sums[("replies", date(2026, 12, 7))] == 3 and sums[("created", date(2026, 12, 4))] == 1


def test_it_rebuilds_every_tickets_figures_by_the_command(worked, capsys):
    def rolled(model, *keys):
        return {tuple(r[:-1]): r[-1] for r in model.objects.values_list(*keys)
                .annotate(n=Sum("count")).order_by() if r[-1]}

    before = stored(worked)
    spread, total = rolled(Spread, "metric", "day", "calendar", "bucket"), rolled(
        Total, "metric", "day", "dim", "key")
    Fact.objects.all().delete()
    call_command("reports", "rebuild", verbosity=0)
    assert stored(worked) == before
    assert rolled(Spread, "metric", "day", "calendar", "bucket") == spread
    assert rolled(Total, "metric", "day", "dim", "key") == total
    assert "Rebuilt the report figures of 1 tickets" in capsys.readouterr().out


def test_it_takes_the_nightly_snapshot_once_and_reports_it(worked, inbound, agent, support,
                                                           claims):
    waiting = inbound("Ещё вопрос", thread="w2", email="other@example.ru",
                      ticket_defaults={"group_id": support.pk}).ticket
    set_status(ticket=waiting, status="pending", actor=Actor.of_agent(agent))
    tickets_counters.roll_up()
    day = date(2026, 12, 7)
    f = inputs.parse({"from": "2026-12-01", "to": "2026-12-07"})
    assert selectors.backlog(f) is None  # no snapshot yet
    assert housekeeping.take_snapshot(day=day) is True
    assert housekeeping.take_snapshot(day=day) is False  # once per day, whoever runs it
    assert selectors.backlog(f) == {"open": 0, "pending": 1, "on_hold": 0}
    other = inputs.parse({"from": "2026-12-01", "to": "2026-12-07", "group": claims.pk})
    assert selectors.backlog(other) == {"open": 0, "pending": 0, "on_hold": 0}
