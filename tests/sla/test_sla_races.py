"""SLA announcements under concurrency [SL4]: two schedulers sweeping the same due breach
timer (and a duplicate of it) announce the breach once."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import time_machine

from helpwire.core import timers
from helpwire.core.models import Event, Timer
from helpwire.sla import tracking
from tests.race import errors, postgres_only, run_concurrently, sweeps_while_one_holds
from tests.sla.test_tracking import MONDAY, mobifitness  # noqa: F401  (a fixture)


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_schedulers_announce_a_breach_once(inbound, support, mobifitness,  # noqa: F811
                                               monkeypatch):
    with time_machine.travel(MONDAY, tick=False):
        ticket = inbound("Срочно", thread="race", ticket_defaults={"group_id": support.pk}).ticket
    breach = Timer.objects.get(kind=tracking.BREACH_TIMER, ticket_id=ticket.pk)
    Timer.objects.filter(kind=tracking.WARNING_TIMER).delete()
    Timer.objects.create(kind=tracking.BREACH_TIMER, ticket_id=ticket.pk, due_at=breach.due_at,
                         payload=breach.payload)
    inside, second_done = threading.Event(), threading.Event()
    real = tracking.events.emit

    def slow(kind, **kwargs):
        event = real(kind, **kwargs)
        if kind == tracking.SLA_BREACHED:
            inside.set()
            second_done.wait(15)  # hold the ticket's lock while the other sweeps
        return event

    monkeypatch.setattr(tracking.events, "emit", slow)
    later = MONDAY + timedelta(hours=2)

    results = sweeps_while_one_holds(later, inside=inside, release=second_done)
    assert not errors(results), results
    with time_machine.travel(later + timedelta(minutes=1), tick=False):
        timers.sweep()
    assert Event.objects.filter(kind="sla.breached", ticket_id=ticket.pk).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_schedulers_at_once_announce_once_on_either_database(inbound, support,
                                                                mobifitness):  # noqa: F811
    """No hold inside the window: on SQLite the writer queue serialises the two sweeps, on
    PostgreSQL the ticket's lock does; either way one announcement per clock."""
    with time_machine.travel(MONDAY, tick=False):
        ticket = inbound("Срочно", thread="race2",
                         ticket_defaults={"group_id": support.pk}).ticket
    for timer in list(Timer.objects.filter(ticket_id=ticket.pk)):
        Timer.objects.create(kind=timer.kind, ticket_id=ticket.pk, due_at=timer.due_at,
                             payload=timer.payload)
    later = MONDAY + timedelta(hours=2)

    def sweep():
        with time_machine.travel(later, tick=False):
            return timers.sweep()

    results = run_concurrently(sweep, sweep)
    assert not errors(results), results
    sweep()
    kinds = sorted(Event.objects.filter(ticket_id=ticket.pk, kind__startswith="sla.")
                   .values_list("kind", flat=True))
    assert kinds == ["sla.breached"]  # past the warning window already: no late warning
