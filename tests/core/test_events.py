"""The event bus: durable rows now, subscribers after commit."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from helpwire.core import events
from helpwire.core.actors import Actor
from helpwire.core.models import Event


@pytest.fixture
def listener():
    seen: list[Event] = []

    def handler(event: Event) -> None:
        if event.payload.get("boom"):
            raise RuntimeError("subscriber failed")
        seen.append(event)

    events.subscribe("test.happened")(handler)
    yield seen
    events._subscribers["test.happened"].remove(handler)


@pytest.mark.django_db
def test_it_hands_an_event_to_subscribers_only_after_commit(listener,
                                                            django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        event = events.emit("test.happened", actor=Actor.system(), ticket_id=7, n=1)
    assert listener == [] and len(callbacks) == 1
    events.dispatch_event.call(event.pk)
    assert [e.pk for e in listener] == [event.pk]
    events.dispatch_event.call(event.pk)  # a duplicate task does not deliver twice
    assert len(listener) == 1


@pytest.mark.django_db
def test_it_keeps_a_failed_event_for_another_try(listener):
    event = events.emit("test.happened", actor=Actor.system(), boom=True)
    events.dispatch_event.call(event.pk)
    event.refresh_from_db()
    assert event.dispatched_at is None and event.attempts == 1
    assert "subscriber failed" in event.last_error


@pytest.mark.django_db
def test_it_redispatches_events_whose_task_never_ran(listener):
    event = events.emit("test.happened", actor=Actor.system())
    Event.objects.filter(pk=event.pk).update(created_at=timezone.now() - timedelta(minutes=5))
    assert events.redispatch_stale(now=timezone.now() + timedelta(minutes=5)) == 1


@pytest.mark.django_db
def test_it_marks_events_nobody_listens_to_as_handled():
    event = events.emit("nobody.listens", actor=Actor.system())
    event.refresh_from_db()
    assert event.dispatched_at is not None
