"""Time rules under concurrency [AU4]: two schedulers sweeping the same due timers (and a
duplicate timer for the same rule and ticket) fire the rule once — the ticket's lock serialises
them and the episode check stops the second."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from helpwire.automation import timed
from helpwire.automation.models import RuleFiring
from helpwire.core import timers
from helpwire.core.models import Timer
from helpwire.tickets.models import Message, MessageKind
from tests.automation.test_time_rules import time_rule
from tests.race import errors, postgres_only, sweeps_while_one_holds

pytestmark = [postgres_only, pytest.mark.django_db(transaction=True)]
START = datetime(2026, 12, 7, 10, 0, tzinfo=ZoneInfo("Europe/Moscow"))


def test_two_schedulers_fire_a_time_rule_once(inbound, monkeypatch):
    rule = time_rule(conditions={"all": [
        {"field": "hours_since_created", "op": "gt", "value": 1}]},
        actions=[{"type": "add_note", "text": "Час без движения"}])
    with time_machine.travel(START, tick=False):
        ticket = inbound("Вопрос", thread="race-1").ticket
    original = Timer.objects.get(kind=timed.TIME_TIMER, ticket_id=ticket.pk)
    Timer.objects.create(kind=timed.TIME_TIMER, ticket_id=ticket.pk, due_at=original.due_at,
                         payload={"rule_id": rule.pk})  # a duplicate (seed and hook raced)
    inside, second_done = threading.Event(), threading.Event()
    real = timed.engine.run

    def slow(**kwargs):
        fired = real(**kwargs)
        inside.set()
        second_done.wait(15)  # hold the ticket's lock while the other scheduler sweeps
        return fired

    monkeypatch.setattr(timed.engine, "run", slow)
    later = START + timedelta(hours=2)

    results = sweeps_while_one_holds(later, inside=inside, release=second_done)
    assert not errors(results), results
    with time_machine.travel(later + timedelta(minutes=1), tick=False):
        timers.sweep()  # what the busy ticket left for the next round
    assert RuleFiring.objects.filter(rule=rule, ticket=ticket).count() == 1
    assert Message.objects.filter(ticket=ticket, kind=MessageKind.NOTE).count() == 1
    assert not Timer.objects.filter(kind=timed.TIME_TIMER, fired_at__isnull=True,
                                    due_at__lte=later).exists()
