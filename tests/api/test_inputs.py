"""The API fills the same input forms as the ticket page: same values, same errors."""

from __future__ import annotations

from helpwire.connectors.models import Channel, ChannelKind
from helpwire.tickets.models import Message


def test_it_refuses_an_unknown_assignee_like_the_workspace(api, ticket):
    response = api.patch(f"/tickets/{ticket.pk}", {"assignee_id": 987654})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_assignee"
    ticket.refresh_from_db()
    assert ticket.assignee_id is None


def test_it_refuses_an_unknown_group(api, ticket, support):
    response = api.patch(f"/tickets/{ticket.pk}", {"group_id": 987654})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_group"
    ticket.refresh_from_db()
    assert ticket.group == support


def test_it_replies_through_another_channel_of_the_client(api, ticket, inbound):
    phone = Channel.objects.create(kind=ChannelKind.MANUAL, name="Телефон")
    inbound("Позвонила", channel=phone, thread="call-2")
    response = api.post(f"/tickets/{ticket.pk}/messages", {"body": "Перезвонили",
                                                           "channel_id": phone.pk})
    assert response.status_code == 201
    assert Message.objects.get(ticket=ticket, kind="outbound").channel == phone


def test_it_refuses_a_reply_through_a_channel_the_client_never_used(api, ticket):
    other = Channel.objects.create(kind=ChannelKind.MANUAL, name="Чужой канал")
    response = api.post(f"/tickets/{ticket.pk}/messages", {"body": "Ответ",
                                                           "channel_id": other.pk})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_channel"
