"""The one path out: replies queue for their connector, notes stay inside."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from helpwire.connectors.base import Connector, Delivery, PermanentFailure, TemporaryFailure
from helpwire.connectors.registry import _connectors
from helpwire.conversations import outbound, reply
from helpwire.conversations.tasks import deliver_message
from helpwire.core.models import Event
from helpwire.tickets.models import Change, DeliveryState, Message, MessageKind, Status
from tests.conftest import as_agent
from tests.race import EnqueueRecorder


class FlakyConnector(Connector):
    """Shaped like a real connector: fails as told, then delivers."""

    kind = "flaky"
    plan: list[Exception | None] = []
    sent: list[object] = []

    def send(self, message):
        outcome = self.plan.pop(0) if self.plan else None
        if outcome is not None:
            raise outcome
        self.sent.append(message)
        return Delivery(external_id=f"remote-{message.message_id}")


@pytest.fixture
def flaky(ticket):
    _connectors["flaky"] = FlakyConnector
    FlakyConnector.plan, FlakyConnector.sent = [], []
    ticket.channel.kind = "flaky"
    ticket.channel.save()
    yield FlakyConnector
    del _connectors["flaky"]


def test_it_queues_a_reply_and_delivers_it(flaky, ticket, agent, monkeypatch,
                                           django_capture_on_commit_callbacks):
    recorder = EnqueueRecorder(deliver_message)
    monkeypatch.setattr(outbound, "deliver_message", recorder)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        message = reply(ticket=ticket, actor=as_agent(agent), text="Посылка в пути")
    stored = Message.objects.get(pk=message.pk)
    assert (stored.kind, stored.delivery_state) == (MessageKind.OUTBOUND, DeliveryState.QUEUED)
    assert recorder.enqueued == []  # nothing leaves before the commit…
    for callback in callbacks:
        callback()
    assert recorder.enqueued == [message.pk]  # …then exactly this message is handed out
    assert deliver_message.call(message.pk) == DeliveryState.SENT
    # What the far side received: the text, to the client's address, with a stable key.
    (sent,) = flaky.sent
    assert sent.text == "Посылка в пути" and sent.recipients == {"email": "maria@example.ru"}
    assert sent.delivery_key == stored.delivery_key and len(sent.delivery_key) == 32
    stored.refresh_from_db()
    assert stored.delivery_state == DeliveryState.SENT and stored.sent_at
    assert stored.external_id == f"remote-{message.pk}"
    assert Event.objects.filter(kind="message.sent", ticket_id=ticket.pk).exists()


def test_it_retries_a_temporary_failure_then_sends(flaky, ticket, agent):
    flaky.plan = [TemporaryFailure("503 from the far side")]
    message = reply(ticket=ticket, actor=as_agent(agent), text="Ответ")
    assert deliver_message.call(message.pk) == "retry"
    message.refresh_from_db()
    assert message.delivery_state == DeliveryState.QUEUED
    assert "503" in message.delivery_error and message.delivery_attempts == 1
    assert deliver_message.call(message.pk) == DeliveryState.SENT
    message.refresh_from_db()
    assert message.external_id == f"remote-{message.pk}"
    assert len(flaky.sent) == 1
    assert flaky.sent[0].recipients == {"email": "maria@example.ru"}


def test_it_gives_up_after_the_last_attempt(flaky, ticket, agent, settings):
    settings.HELPWIRE_DELIVERY_MAX_ATTEMPTS = 2
    flaky.plan = [TemporaryFailure("timeout"), TemporaryFailure("timeout again")]
    message = reply(ticket=ticket, actor=as_agent(agent), text="Ответ")
    deliver_message.call(message.pk)
    assert deliver_message.call(message.pk) == DeliveryState.FAILED
    message.refresh_from_db()
    assert message.delivery_error == "timeout again"


def test_it_stops_at_a_permanent_failure(flaky, ticket, agent):
    flaky.plan = [PermanentFailure("bot was blocked by the user")]
    message = reply(ticket=ticket, actor=as_agent(agent), text="Ответ")
    assert deliver_message.call(message.pk) == DeliveryState.FAILED
    assert deliver_message.call(message.pk) == DeliveryState.FAILED  # no second send
    assert flaky.sent == []


def test_it_keeps_a_note_inside(flaky, ticket, agent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        note = reply(ticket=ticket, actor=as_agent(agent), text="Он не прав", kind="note")
    stored = Message.objects.get(pk=note.pk)
    assert stored.kind == MessageKind.NOTE and stored.delivery_state == ""
    assert deliver_message.call(note.pk) == ""  # nothing to deliver, ever
    assert flaky.sent == []


def test_it_sets_the_status_with_the_reply(ticket, agent):
    reply(ticket=ticket, actor=as_agent(agent), text="Пришлите фото", status=Status.PENDING)
    ticket.refresh_from_db()
    assert ticket.status == Status.PENDING and ticket.first_response_at is not None
    change = Change.objects.get(ticket=ticket, field="status")
    assert (change.old, change.new, change.actor_agent) == ("new", "pending", agent)


def test_it_refuses_an_empty_reply(ticket, agent):
    with pytest.raises(ValidationError):
        reply(ticket=ticket, actor=as_agent(agent), text="   ")
    assert not Message.objects.filter(kind=MessageKind.OUTBOUND).exists()


def test_it_refuses_a_reply_by_an_agent_outside_the_group(ticket, other_agent):
    with pytest.raises(PermissionDenied):
        reply(ticket=ticket, actor=as_agent(other_agent), text="Не моё")
