"""Event dispatch survives a worker dying, and several schedulers never hand out the same
event twice [the outbox of every after-commit side effect]."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from helpwire.core import events
from helpwire.core.actors import Actor
from helpwire.core.models import Event
from tests.race import EnqueueRecorder, errors, postgres_only, run_concurrently


class WorkerKilled(BaseException):
    """Stands for the process dying mid-run: not an Exception, nothing catches it."""


@pytest.fixture
def subscriber():
    calls: list[int] = []
    plan: list[BaseException | None] = []

    def handler(event: Event) -> None:
        outcome = plan.pop(0) if plan else None
        if outcome is not None:
            raise outcome
        calls.append(event.pk)

    events.subscribe("test.dispatch")(handler)
    yield calls, plan
    events._subscribers["test.dispatch"].remove(handler)


@pytest.fixture
def enqueued(monkeypatch):
    recorder = EnqueueRecorder(events.dispatch_event)
    monkeypatch.setattr(events, "dispatch_event", recorder)
    return recorder.enqueued


@pytest.mark.django_db(transaction=True)
def test_it_keeps_an_event_whose_worker_died_mid_run(subscriber, enqueued):
    calls, plan = subscriber
    event = events.emit("test.dispatch", actor=Actor.system())
    plan.append(WorkerKilled())
    with pytest.raises(WorkerKilled):
        events.dispatch_event.call(event.pk)
    event.refresh_from_db()
    assert event.dispatched_at is None
    enqueued.clear()
    assert events.redispatch_stale(now=timezone.now() + timedelta(minutes=5)) == 1
    assert enqueued == [event.pk]
    events.dispatch_event.call(event.pk)
    event.refresh_from_db()
    assert calls == [event.pk] and event.dispatched_at is not None


@pytest.mark.django_db(transaction=True)
def test_it_backs_off_after_a_failed_subscriber_and_gives_up_in_the_end(subscriber, enqueued):
    calls, plan = subscriber
    event = events.emit("test.dispatch", actor=Actor.system())
    plan.extend(RuntimeError(f"down {n}") for n in range(events.MAX_ATTEMPTS))
    for attempt in range(1, events.MAX_ATTEMPTS + 1):
        events.dispatch_event.call(event.pk)
        event.refresh_from_db()
        assert event.attempts == attempt and f"down {attempt - 1}" in event.last_error
        # Not handed out again before its backoff is over.
        assert events.redispatch_stale(now=timezone.now()) == 0
        if attempt < events.MAX_ATTEMPTS:
            assert event.dispatched_at is None
            assert event.retry_at > timezone.now() + events.backoff(attempt) / 2
            assert events.redispatch_stale(now=timezone.now() + timedelta(hours=7)) == 1
    assert event.dispatched_at is not None and calls == []


@pytest.mark.django_db(transaction=True)
@postgres_only
def test_it_hands_a_stale_event_to_exactly_one_of_several_schedulers(subscriber, enqueued):
    stale = [events.emit("test.dispatch", actor=Actor.system()).pk for _ in range(30)]
    enqueued.clear()  # their own after-commit hand-out, which "got lost"
    later = timezone.now() + timedelta(minutes=5)
    results = run_concurrently(*(lambda: events.redispatch_stale(now=later)
                                 for _ in range(3)))
    assert not errors(results), results
    assert sorted(enqueued) == sorted(stale)
    assert sum(results) == len(stale)
    # Handed out: not again until that hand-out has had time to run.
    assert events.redispatch_stale(now=later) == 0


@pytest.mark.django_db(transaction=True)
@postgres_only
def test_it_runs_the_subscribers_of_an_event_once_with_two_workers(subscriber):
    calls, _plan = subscriber
    event = events.emit("test.dispatch", actor=Actor.system())
    results = run_concurrently(lambda: events.dispatch_event.call(event.pk),
                               lambda: events.dispatch_event.call(event.pk))
    assert not errors(results), results
    assert calls == [event.pk]
