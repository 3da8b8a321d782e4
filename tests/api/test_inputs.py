"""The API fills the same input forms as the ticket page: same values, same errors."""

from __future__ import annotations

from helpwire.connectors.models import Channel, ChannelKind
from helpwire.connectors.registry import _connectors
from helpwire.tickets.actions import update_ticket
from helpwire.tickets.models import Message, Status
from tests.conftest import as_agent
from tests.conversations.test_reply import FlakyConnector
from tests.workspace.test_merge_clients_guard import _two_clients


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


def test_it_replies_through_another_channel_of_the_client(api, ticket, inbound, monkeypatch):
    monkeypatch.setitem(_connectors, ChannelKind.TELEGRAM, FlakyConnector)
    bot = Channel.objects.create(kind=ChannelKind.TELEGRAM, name="Бот поддержки")
    inbound("Пишу в телеграм", channel=bot, thread="tg-1", email="maria@example.ru",
            handles={"telegram": "555"})
    response = api.post(f"/tickets/{ticket.pk}/messages", {"body": "Ответили в телеграм",
                                                           "channel_id": bot.pk})
    assert response.status_code == 201
    assert Message.objects.get(ticket=ticket, kind="outbound").channel == bot


def test_it_refuses_a_reply_through_a_channel_the_client_never_used(api, ticket):
    other = Channel.objects.create(kind=ChannelKind.MANUAL, name="Чужой канал")
    response = api.post(f"/tickets/{ticket.pk}/messages", {"body": "Ответ",
                                                           "channel_id": other.pk})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_channel"


def test_it_answers_409_to_an_api_patch_resting_on_a_stale_view(api, agent, ticket):
    update_ticket(ticket=ticket, assignee=agent, actor=as_agent(agent))
    response = api.patch(f"/tickets/{ticket.pk}", {"status": "solved",
                                                   "expected": {"status": "new"}})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "ticket_changed"
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN
    ok = api.patch(f"/tickets/{ticket.pk}", {"status": "solved",
                                             "unassign": True,
                                             "expected": {"status": "open",
                                                          "assignee_id": agent.pk}})
    assert ok.status_code == 200, ok.json()
    ticket.refresh_from_db()
    assert ticket.status == Status.SOLVED and ticket.assignee is None


def test_it_makes_the_api_say_it_explicitly(api, inbound, support):
    maria, oleg = _two_clients(inbound, support)
    refused = api.post(f"/tickets/{maria.pk}/merge", {"ticket_ids": [oleg.pk]})
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "different_clients"
    done = api.post(f"/tickets/{maria.pk}/merge", {"ticket_ids": [oleg.pk],
                                                   "allow_other_clients": True})
    assert done.status_code == 200
    oleg.refresh_from_db()
    assert oleg.merged_into_id == maria.pk


def test_it_refuses_a_ticket_in_another_group_before_writing_it(api, claims):
    from helpwire.tickets.models import Ticket

    response = api.post("/tickets", {"subject": "Чужая группа", "message": "Текст",
                                     "client": {"email": "x@example.ru"},
                                     "group_id": claims.pk})
    assert response.status_code == 403
    assert not Ticket.objects.exists()


def test_it_keeps_each_callers_idempotency_keys_apart(api, admin_api):
    body = {"subject": "Заказ", "message": "Текст", "client": {"email": "y@example.ru"},
            "external_id": "order-42"}
    mine = admin_api.post("/tickets", body)
    again = admin_api.post("/tickets", body)
    assert mine.status_code == again.status_code == 201
    assert mine.json()["id"] == again.json()["id"]  # a retry, not a duplicate
    theirs = api.post("/tickets", body)
    assert theirs.status_code == 201 and theirs.json()["id"] != mine.json()["id"]


def test_it_answers_an_oversized_body_with_json_413(api, ticket, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = api.post(f"/tickets/{ticket.pk}/messages", {"body": "я" * 5000})
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"
