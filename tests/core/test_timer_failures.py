"""When a timer's handler fails, or this process has none: the timer is neither lost nor
fired twice, and a failure never leaves half its work behind."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from helpwire.core import events, timers
from helpwire.core.actors import Actor
from helpwire.core.models import Event, Timer

FLAKY = "test.flaky"
COUNTED = "test.counted"
ELSEWHERE = "test.elsewhere"


class Script:
    """A handler that does its work (writes an event row), then fails as told."""

    def __init__(self) -> None:
        self.failures = 0  # how many of the next calls fail after writing
        self.calls = 0

    def __call__(self, timer: Timer) -> None:
        self.calls += 1
        events.emit("test.timer_work", actor=Actor.system("timer"), ticket_id=timer.ticket_id,
                     timer_id=timer.pk, call=self.calls)
        if self.failures:
            self.failures -= 1
            raise RuntimeError(f"the far side is down (call {self.calls})")


@pytest.fixture
def handlers():
    """Register test handlers for this test only; the registry is left as it was."""
    added: dict[str, Script] = {}

    def register(kind: str) -> Script:
        script = Script()
        timers.handler(kind)(script)
        added[kind] = script
        return script

    yield register
    for kind in added:
        timers._handlers.pop(kind, None)


def work_done() -> int:
    return Event.objects.filter(kind="test.timer_work").count()


@pytest.fixture
def now():
    return timezone.now()


@pytest.mark.django_db
def test_it_rolls_back_a_failing_handlers_writes_and_keeps_the_timer_due(handlers, now):
    script = handlers(FLAKY)
    script.failures = 1
    timer = timers.schedule(kind=FLAKY, due_at=now - timedelta(minutes=1))
    assert timers.sweep(now=now) == 0
    assert script.calls == 1
    assert work_done() == 0  # the event it wrote before failing is gone
    timer.refresh_from_db()
    assert timer.fired_at is None
    assert timer.attempts == 1
    assert "the far side is down" in timer.last_error


@pytest.mark.django_db
def test_it_backs_off_after_a_failure_and_retries_when_due(handlers, now):
    script = handlers(FLAKY)
    script.failures = 1
    timer = timers.schedule(kind=FLAKY, due_at=now - timedelta(minutes=1))
    timers.sweep(now=now)
    timer.refresh_from_db()
    assert timer.due_at == now + timers.backoff(1) > now
    # Not before its time…
    assert timers.sweep(now=timer.due_at - timedelta(seconds=1)) == 0
    assert script.calls == 1
    # …then once more, and this time it works.
    assert timers.sweep(now=timer.due_at) == 1
    assert script.calls == 2
    timer.refresh_from_db()
    assert timer.fired_at is not None
    assert work_done() == 1


@pytest.mark.django_db
def test_it_backs_off_longer_after_each_failure(handlers, now):
    script = handlers(FLAKY)
    script.failures = 3
    timer = timers.schedule(kind=FLAKY, due_at=now)
    waits = []
    at = now
    for _ in range(3):
        timers.sweep(now=at)
        timer.refresh_from_db()
        waits.append(timer.due_at - at)
        at = timer.due_at
    assert waits == [timers.backoff(1), timers.backoff(2), timers.backoff(3)]
    assert waits[0] < waits[1] < waits[2]
    assert timer.attempts == 3 and timer.fired_at is None


@pytest.mark.django_db
def test_it_gives_up_after_the_last_attempt_and_keeps_the_error(handlers, now):
    script = handlers(FLAKY)
    script.failures = 1000
    timer = timers.schedule(kind=FLAKY, due_at=now)
    at = now
    for _ in range(timers.MAX_ATTEMPTS):
        timers.sweep(now=at)
        timer.refresh_from_db()
        at = max(at, timer.due_at)
    assert script.calls == timers.MAX_ATTEMPTS
    assert timer.attempts == timers.MAX_ATTEMPTS
    assert timer.fired_at is not None
    assert f"call {timers.MAX_ATTEMPTS}" in timer.last_error
    # Given up means given up: much later, nobody tries again.
    assert timers.sweep(now=at + timedelta(days=30)) == 0
    assert script.calls == timers.MAX_ATTEMPTS
    assert work_done() == 0


@pytest.mark.django_db
def test_it_leaves_a_timer_without_a_handler_here_for_a_process_that_has_one(handlers, now):
    due = now - timedelta(minutes=5)
    timer = timers.schedule(kind=ELSEWHERE, due_at=due, payload={"n": 1})
    assert ELSEWHERE not in timers._handlers
    assert timers.sweep(now=now + timedelta(days=1)) == 0
    untouched = Timer.objects.get(pk=timer.pk)
    assert (untouched.fired_at, untouched.attempts, untouched.last_error, untouched.due_at) == (
        None, 0, "", due)
    # A process that knows the kind fires it.
    script = handlers(ELSEWHERE)
    assert timers.sweep(now=now) == 1
    assert script.calls == 1
    assert Timer.objects.get(pk=timer.pk).fired_at is not None


def test_it_fires_a_ticket_timer_once_when_swept_twice(handlers, ticket, now):
    script = handlers(COUNTED)
    timer = timers.schedule(kind=COUNTED, due_at=now - timedelta(seconds=1), ticket_id=ticket.pk)
    assert timers.sweep(now=now) == 1
    assert timers.sweep(now=now + timedelta(hours=1)) == 0
    assert script.calls == 1
    assert Event.objects.filter(kind="test.timer_work", ticket_id=ticket.pk).count() == 1
    assert Timer.objects.get(pk=timer.pk).fired_at == now
