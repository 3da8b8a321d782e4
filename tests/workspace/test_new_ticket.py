"""A ticket created from the workspace — a logged call or a walk-in — for a client found by
name or described anew, through the one intake path [#8 item 6]."""

from __future__ import annotations

import pytest

from helpwire.connectors.models import ChannelKind
from helpwire.core.models import Event
from helpwire.tickets.models import MessageKind, Status, Ticket

pytestmark = pytest.mark.usefixtures("tag_tree")


def test_it_finds_a_client_by_name_email_or_phone(browser_as, agent, ticket):
    b = browser_as(agent)
    for q in ("мария", "MARIA@example.ru"):
        html = b.get("/suggest/clients/", {"q": q}).content.decode()
        assert f'data-id="{ticket.client_id}"' in html
    assert "Ничего не найдено" in b.get("/suggest/clients/", {"q": "никого"}).content.decode()


def test_it_records_a_call_for_a_picked_client(browser_as, agent, support, ticket):
    response = browser_as(agent).post("/tickets/new/", {
        "client": ticket.client_id, "kind": "call", "subject": "Звонок про возврат",
        "message": "Клиентка звонила: хочет вернуть товар.", "group": support.pk,
        "assignee": agent.pk, "tags": "Оплата › Возврат, Звонки"})
    created = Ticket.objects.exclude(pk=ticket.pk).get()
    assert response.status_code == 302 and response["Location"] == f"/tickets/{created.pk}/"
    assert created.client_id == ticket.client_id and created.channel.kind == ChannelKind.MANUAL
    assert (created.group, created.assignee, created.status) == (support, agent, Status.OPEN)
    assert sorted(t.path for t in created.tags.all()) == ["Звонки", "Оплата › Возврат"]
    message = created.messages.get()
    assert message.kind == MessageKind.INBOUND and message.meta["recorded"] == "call"
    assert message.meta["submitted_by"] == agent.pk
    assert Event.objects.filter(kind="ticket.created", ticket_id=created.pk).exists()


def test_it_records_a_visit_of_a_new_client(browser_as, agent):
    browser_as(agent).post("/tickets/new/", {
        "name": "Пётр Новиков", "phone": "8 912 000-11-22", "kind": "visit",
        "message": "Пришёл в офис с вопросом о доставке."})
    created = Ticket.objects.get()
    assert created.client.name == "Пётр Новиков"
    assert created.client.identities.get().value == "+79120001122"


def test_it_asks_for_a_client_and_keeps_what_was_typed(browser_as, agent):
    response = browser_as(agent).post("/tickets/new/", {"kind": "call", "message": "Текст"})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'role="alert"' in html and "Текст" in html
    assert not Ticket.objects.exists()


def test_it_offers_new_tickets_from_the_queue_and_the_client_card(browser_as, agent, ticket,
                                                                 contractor):
    b = browser_as(agent)
    assert 'href="/tickets/new/"' in b.get("/queues/all/").content.decode()
    assert f'href="/tickets/new/?client={ticket.client_id}"' in b.get(
        f"/clients/{ticket.client_id}/").content.decode()
    assert 'href="/tickets/new/"' not in browser_as(contractor).get(
        "/queues/mine/").content.decode()
    assert browser_as(contractor).get("/tickets/new/").status_code == 403


def test_it_filters_a_list_by_a_picked_client_and_a_period(browser_as, agent, inbound, support):
    old = inbound("Старое", thread="old", email="old@example.ru", name="Ольга",
                  ticket_defaults={"group_id": support.pk}).ticket
    Ticket.objects.filter(pk=old.pk).update(created_at=old.created_at.replace(year=2020))
    fresh = inbound("Новое", thread="new", email="old@example.ru",
                    ticket_defaults={"group_id": support.pk}).ticket
    other = inbound("Чужое", thread="x", email="x@example.ru",
                    ticket_defaults={"group_id": support.pk}).ticket
    b = browser_as(agent)
    html = b.get("/queues/all/", {"client": fresh.client_id, "period": "7d"}).content.decode()
    assert f"/tickets/{fresh.pk}/" in html
    assert f"/tickets/{old.pk}/" not in html and f"/tickets/{other.pk}/" not in html
    assert 'value="Ольга"' in html  # the picker shows the chosen client by name
