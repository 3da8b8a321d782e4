"""The one path in: dedupe, identify, thread, store, announce [CL2, TK1]."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from helpwire.clients.models import Client, Company, CompanyDomain, Identity
from helpwire.connectors.types import InboundAttachment, InboundMessage, Sender
from helpwire.conversations import ingest
from helpwire.core.actors import Actor
from helpwire.core.models import Event
from helpwire.tickets.actions import set_status
from helpwire.tickets.models import Attachment, Message, MessageKind, Status, Ticket


def test_it_opens_a_ticket_for_a_new_client(inbound):
    result = inbound("Где мой заказ?", email="Anna@Example.RU", name="Анна")
    assert result.created
    ticket = result.ticket
    assert ticket.status == Status.NEW
    assert ticket.number >= 1001
    assert ticket.client.name == "Анна"
    assert list(ticket.client.identities.values_list("kind", "value")) == [
        ("email", "anna@example.ru")]
    message = ticket.messages.get()
    assert message.kind == MessageKind.INBOUND
    assert message.body_text == "Где мой заказ?"
    assert message.actor_client == ticket.client


def test_it_stores_the_same_message_once(inbound):
    first = inbound("Привет", external_id="ext-1", thread="x")
    second = inbound("Привет", external_id="ext-1", thread="x")
    assert second.duplicate and not first.duplicate
    assert second.message.pk == first.message.pk
    assert Message.objects.count() == 1
    assert Ticket.objects.count() == 1


def test_it_treats_the_same_external_id_on_another_channel_as_new(inbound, manual_channel):
    inbound("Привет", external_id="ext-1")
    other = inbound("Привет", external_id="ext-1", channel=manual_channel)
    assert not other.duplicate
    assert Message.objects.count() == 2


def test_it_threads_messages_by_key(inbound):
    a = inbound("Первое", thread="conv-1")
    b = inbound("Второе", thread="conv-1")
    c = inbound("Другое", thread="conv-2")
    assert a.ticket.pk == b.ticket.pk != c.ticket.pk
    assert not b.created
    assert a.ticket.messages.count() == 2


def test_it_threads_by_a_related_key(inbound):
    a = inbound("Первое", thread="<m1@mail>")
    b = inbound("Ответ", thread="<m2@mail>", related_keys=("<m1@mail>",))
    assert b.ticket.pk == a.ticket.pk
    assert inbound("Ещё", thread="<m2@mail>").ticket.pk == a.ticket.pk


def test_it_opens_a_ticket_per_message_without_a_thread_key(inbound):
    assert inbound("one").ticket.pk != inbound("two").ticket.pk


def test_it_recognises_a_client_by_phone_in_any_format(inbound):
    first = inbound("Звонок", phone="+7 916 123-45-67", email="")
    again = inbound("Снова", phone="8 (916) 1234567", email="")
    assert first.ticket.client == again.ticket.client
    assert Identity.objects.get(kind="phone").value == "+79161234567"


def test_it_recognises_a_client_across_identities_and_learns_new_ones(inbound):
    by_email = inbound("Письмо", email="oleg@example.ru", name="Олег").ticket.client
    # Telegram message carrying both a new handle and the known email: same card.
    tg = inbound("Из телеграма", email="oleg@example.ru", handles={"telegram": "555"}).ticket
    assert tg.client == by_email
    # From now on the handle alone finds him.
    only_tg = inbound("Только телеграм", handles={"telegram": "555"}, email="").ticket
    assert only_tg.client == by_email
    assert Client.objects.count() == 1


def test_it_attaches_clients_to_a_company_by_email_domain(inbound):
    customs = Company.objects.create(name="Таможенный департамент", is_internal=True)
    CompanyDomain.objects.create(company=customs, domain="customs.bxb.ru")
    client = inbound("Нужна справка", email="ivan@customs.bxb.ru").ticket.client
    assert client.company == customs
    assert client.is_internal


def test_it_keeps_a_message_with_a_malformed_phone(inbound):
    result = inbound("Перезвоните", phone="не телефон", email="x@example.ru")
    assert result.message.meta["identity_problems"]
    assert not Identity.objects.filter(kind="phone").exists()


def test_it_refuses_a_malformed_email_from_an_agent(manual_channel, agent):
    with pytest.raises(ValidationError) as exc:
        ingest(InboundMessage(channel_id=manual_channel.pk,
                              sender=Sender(name="Звонящий", email="not-an-email"),
                              text="Звонок"), recorded_by=agent)
    assert exc.value.code == "invalid_email"
    assert not Ticket.objects.exists()


def test_it_records_a_call_typed_in_by_an_agent(manual_channel, agent):
    result = ingest(InboundMessage(channel_id=manual_channel.pk,
                                   sender=Sender(name="Звонящий", phone="+79990001122"),
                                   text="Клиент звонил: не пришёл курьер", subject="Звонок"),
                    recorded_by=agent)
    assert result.ticket.status == Status.OPEN
    assert result.message.actor_agent == agent
    assert result.ticket.client.identities.get().value == "+79990001122"


def test_it_sanitises_html_from_clients(inbound):
    result = inbound(html='<p onclick="x()">Hi<script>alert(1)</script>'
                          '<a href="javascript:alert(1)">link</a></p>', text="")
    body = result.message.body_html
    assert "<script" not in body and "onclick" not in body and "javascript:" not in body
    assert "Hi" in result.message.body_text


def test_it_stores_attachments_and_notes_ones_over_the_limit(inbound, settings):
    settings.HELPWIRE_MAX_ATTACHMENT_BYTES = 10
    result = inbound("Файлы", attachments=(
        InboundAttachment(filename="../../etc/passwd", content=b"small", content_type="text/plain"),
        InboundAttachment(filename="big.pdf", content=b"x" * 11),
    ))
    small, big = Attachment.objects.order_by("size")
    assert small.filename == "passwd" and small.file and not small.rejected_reason
    assert small.file.read() == b"small"
    assert big.filename == "big.pdf" and not big.file and big.rejected_reason
    assert result.message.attachments.count() == 2


def test_it_refuses_an_oversized_upload_from_an_agent_without_writing(manual_channel, agent,
                                                                      settings):
    settings.HELPWIRE_MAX_ATTACHMENT_BYTES = 10
    with pytest.raises(ValidationError) as exc:
        ingest(InboundMessage(channel_id=manual_channel.pk, sender=Sender(phone="+79990001122"),
                              text="Скан", attachments=(
                                  InboundAttachment(filename="scan.pdf", content=b"x" * 20),)),
               recorded_by=agent)
    assert exc.value.code == "attachment_too_large"
    assert not Ticket.objects.exists() and not Client.objects.exists()


def test_it_records_events_for_a_new_ticket(inbound):
    result = inbound("Привет")
    kinds = list(Event.objects.filter(ticket_id=result.ticket.pk).values_list("kind", flat=True))
    assert kinds == ["ticket.created", "message.received"]


def test_it_records_a_change_event_with_the_list_of_changes(inbound, ticket):
    set_status(ticket=ticket, status=Status.SOLVED, actor=Actor.system("test"))
    inbound("Не помогло", thread="t-1")
    event = Event.objects.filter(kind="ticket.changed").last()
    assert event.payload["changes"]["status"] == ["solved", "open"]
    assert event.actor_kind == "client"


def test_it_applies_ticket_defaults_from_a_trusted_source(inbound, support, agent):
    result = inbound("С тегами", ticket_defaults={
        "priority": "urgent", "type": "problem", "group_id": support.pk,
        "assignee_id": agent.pk, "tags": ["Доставка › Сроки"]})
    t = result.ticket
    assert (t.priority, t.type, t.group, t.assignee) == ("urgent", "problem", support, agent)
    assert [tag.path for tag in t.tags.all()] == ["Доставка › Сроки"]


def test_it_rolls_back_everything_on_a_bad_default(inbound):
    with pytest.raises(ValidationError):
        inbound("Плохо", ticket_defaults={"priority": "whenever"})
    assert not Ticket.objects.exists() and not Message.objects.exists()
