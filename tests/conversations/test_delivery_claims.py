"""Delivery is at least once: a worker that dies after claiming a reply does not leave it
queued forever, and the message keeps one id across attempts so the far side can drop a
duplicate."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from helpwire.conversations import reply, tasks
from helpwire.conversations.tasks import deliver_message
from helpwire.core.management.commands.scheduler import loop
from helpwire.tickets.models import DeliveryState
from tests.conftest import as_agent
from tests.conversations.test_reply import FlakyConnector, flaky  # noqa: F401
from tests.race import EnqueueRecorder


class WorkerKilled(BaseException):
    """The worker process dying between claiming and finishing."""


@pytest.mark.django_db(transaction=True)
def test_it_delivers_a_reply_whose_worker_died_after_claiming_it(flaky, ticket, agent,  # noqa: F811
                                                                 monkeypatch):
    message = reply(ticket=ticket, actor=as_agent(agent), text="Ответ")
    flaky.plan = [WorkerKilled()]
    with pytest.raises(WorkerKilled):
        deliver_message.call(message.pk)
    message.refresh_from_db()
    assert message.delivery_state == DeliveryState.QUEUED
    recorder = EnqueueRecorder(deliver_message)
    monkeypatch.setattr(tasks, "deliver_message", recorder)
    later = timezone.now() + timedelta(hours=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    loop(once=True)
    assert recorder.enqueued == [message.pk]
    assert deliver_message.call(message.pk) == DeliveryState.SENT
    message.refresh_from_db()
    assert message.delivery_state == DeliveryState.SENT
    assert [m.message_id for m in flaky.sent] == [message.pk]
