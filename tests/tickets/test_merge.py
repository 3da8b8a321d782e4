"""Merging tickets [TK3] and client cards [CL7]."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from helpwire.clients.actions import merge_clients
from helpwire.clients.models import Client, Identity
from helpwire.tickets.actions import set_reminder, update_ticket
from helpwire.tickets.merge import merge_tickets
from helpwire.tickets.models import Change, Message, Status, Ticket
from tests.conftest import as_agent

pytestmark = pytest.mark.usefixtures("tag_tree")


@pytest.fixture
def two_tickets(inbound, agent, support):
    now = timezone.now()
    a = inbound("A1", thread="a", received_at=now - timedelta(hours=5)).ticket
    b = inbound("B1", thread="b", received_at=now - timedelta(hours=4)).ticket
    inbound("A2", thread="a", received_at=now - timedelta(hours=3))
    inbound("B2", thread="b", received_at=now - timedelta(hours=2))
    update_ticket(ticket=a, actor=as_agent(agent), add_tags=["Доставка › Сроки"], group=support)
    update_ticket(ticket=b, actor=as_agent(agent), add_tags=["Оплата"], group=support)
    return Ticket.objects.get(pk=a.pk), Ticket.objects.get(pk=b.pk)


def test_it_interleaves_messages_by_time(two_tickets, agent):
    a, b = two_tickets
    merge_tickets(source=b, target=a, actor=as_agent(agent))
    texts = list(Message.objects.filter(ticket=a).order_by("created_at", "id")
                 .values_list("body_text", flat=True))
    assert texts == ["A1", "B1", "A2", "B2"]


def test_it_unites_tags_and_marks_the_source_merged(two_tickets, agent):
    a, b = two_tickets
    merge_tickets(source=b, target=a, actor=as_agent(agent))
    a.refresh_from_db()
    b.refresh_from_db()
    assert sorted(t.path for t in a.tags.all()) == ["Доставка › Сроки", "Оплата"]
    assert b.status == Status.MERGED and b.merged_into == a
    assert Change.objects.filter(ticket=a, field="merged", new=f"#{b.number}").exists()
    assert Change.objects.filter(ticket=b, field="status", new="merged").exists()
    assert Change.objects.filter(ticket=b, field="merged_into").exists()


def test_it_routes_later_messages_of_the_source_to_the_target(two_tickets, agent, inbound):
    a, b = two_tickets
    merge_tickets(source=b, target=a, actor=as_agent(agent))
    assert inbound("B3", thread="b").ticket.pk == a.pk


def test_it_leaves_the_merged_ticket_out_of_statistics(two_tickets, agent):
    a, b = two_tickets
    merge_tickets(source=b, target=a, actor=as_agent(agent))
    assert list(Ticket.objects.counted().values_list("pk", flat=True)) == [a.pk]


def test_it_cancels_the_sources_reminder(two_tickets, agent):
    from helpwire.core.models import Timer

    a, b = two_tickets
    set_reminder(ticket=b, at=timezone.now() + timedelta(days=1), actor=as_agent(agent))
    merge_tickets(source=b, target=a, actor=as_agent(agent))
    assert not Timer.objects.filter(ticket_id=b.pk, fired_at__isnull=True).exists()


def test_it_refuses_to_merge_a_ticket_into_itself_or_twice(two_tickets, agent):
    a, b = two_tickets
    with pytest.raises(ValidationError):
        merge_tickets(source=a, target=a, actor=as_agent(agent))
    merge_tickets(source=b, target=a, actor=as_agent(agent))
    with pytest.raises(ValidationError):
        merge_tickets(source=b, target=a, actor=as_agent(agent))


def test_it_merges_client_cards_moving_tickets_and_identities(inbound, supervisor):
    a = inbound("С почты", email="olga@example.ru", name="Ольга").ticket
    b = inbound("С телефона", phone="+79161112233", email="", name="").ticket
    source, target = b.client, a.client
    merge_clients(source=source, target=target, actor=as_agent(supervisor))
    assert set(Ticket.objects.filter(client=target).values_list("pk", flat=True)) == {a.pk, b.pk}
    assert set(Identity.objects.filter(client=target).values_list("value", flat=True)) == {
        "olga@example.ru", "+79161112233"}
    source.refresh_from_db()
    assert source.merged_into == target
    assert Change.objects.filter(ticket=b, field="client").exists()
    # The phone now leads to the surviving card.
    assert inbound("Снова звоню", phone="+79161112233", email="").ticket.client == target


def test_it_lets_only_supervisors_merge_clients(inbound, agent):
    from django.core.exceptions import PermissionDenied

    a = inbound("1", email="a1@example.ru").ticket.client
    b = inbound("2", email="a2@example.ru").ticket.client
    with pytest.raises(PermissionDenied):
        merge_clients(source=b, target=a, actor=as_agent(agent))
    assert Client.objects.filter(merged_into__isnull=True).count() == 2
