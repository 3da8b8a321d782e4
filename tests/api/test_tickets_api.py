"""API v1 tickets: shapes other tools rely on, permissions, and errors that are never 500."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from helpwire.clients.models import Client, Company, CompanyDomain
from helpwire.connectors.models import Channel, ChannelKind
from helpwire.core import timers
from helpwire.core.actors import Actor
from helpwire.tickets.actions import update_ticket
from helpwire.tickets.models import CustomField, FieldKind, Status, Ticket

pytestmark = pytest.mark.usefixtures("tag_tree")

NEW_TICKET = {
    "subject": "Не пришла посылка",
    "message": "Здравствуйте! Заказ BX-100 не пришёл, трек не обновляется.",
    "client": {"name": "Анна Смирнова", "email": "anna@example.ru", "phone": "8 916 000-11-22"},
    "tags": ["Доставка › Сроки › Задержка"],
    "priority": "urgent",
    "type": "problem",
}


def _create(api, **overrides):
    response = api.post("/tickets", {**NEW_TICKET, **overrides})
    assert response.status_code == 201, response.content
    return response.json()


def test_it_creates_a_ticket_with_the_documented_shape(api, support):
    body = _create(api, group_id=support.pk)
    assert body["status"] == "new"
    assert body["number"] >= 1001 and body["id"]
    assert body["tags"] == ["Доставка › Сроки › Задержка"]
    assert body["priority"] == "urgent" and body["type"] == "problem"
    assert body["group"] == {"id": support.pk, "name": support.name}
    assert body["channel"]["kind"] == "api"
    [message] = body["messages"]
    assert message["kind"] == "inbound" and message["author"]["kind"] == "client"
    assert {(i["kind"], i["value"]) for i in body["identities"]} == {
        ("email", "anna@example.ru"), ("phone", "+79160001122")}


def test_it_answers_a_creation_exactly_as_a_read_would(api_as, admin, agent, support):
    """The creation is answered from the objects in hand, not read back: the answer must
    be what GET returns for the same ticket — a new card, a known card with a new contact,
    a card with a company and a responsible agent, a channel's default group."""
    company = Company.objects.create(name="Ромашка")
    CompanyDomain.objects.create(company=company, domain="romashka.ru")
    Channel.builtin(ChannelKind.API)
    Channel.objects.filter(kind=ChannelKind.API).update(default_group=support)
    plain = {"subject": "Вопрос", "message": "Где заказ?"}
    for caller in (api_as(agent), api_as(admin)):
        for contact in ({"name": "Ира", "email": "ira@example.ru"},
                        {"email": "ira@example.ru", "phone": "8 916 000-11-33"},
                        {"name": "Олег", "email": "oleg@romashka.ru"}):
            response = caller.post("/tickets", {**plain, "client": contact})
            assert response.status_code == 201, response.content
            created = response.json()
            assert created == caller.get(f"/tickets/{created['id']}").json()
        Client.objects.filter(identities__value="oleg@romashka.ru").update(responsible=agent)
    assert Ticket.objects.filter(assignee=agent).count() >= 1  # the responsible path ran


def test_it_creates_the_same_external_ticket_once(api):
    first = _create(api, external_id="site-form-7")
    second = _create(api, external_id="site-form-7")
    assert first["id"] == second["id"]
    assert Ticket.objects.count() == 1


def test_it_refuses_bad_input_with_a_json_error(api):
    response = api.post("/tickets", {**NEW_TICKET, "client": {"email": "not-an-email"}})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_email"
    response = api.post("/tickets", {**NEW_TICKET, "priority": "whenever"})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_request"
    response = api.post("/tickets", {**NEW_TICKET, "fields": {"nope": 1}})
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_field"
    assert not Ticket.objects.exists()


def test_it_validates_custom_fields(api):
    CustomField.objects.create(key="topic", label="Тема", kind=FieldKind.LIST,
                               options=["Доставка", "Оплата"])
    assert _create(api, fields={"topic": "Оплата"})["fields"] == {"topic": "Оплата"}
    response = api.post("/tickets", {**NEW_TICKET, "fields": {"topic": "Погода"}})
    assert response.status_code == 400


def test_it_needs_a_token(api_as, db):
    response = api_as(None).get("/tickets")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"


def test_it_refuses_a_revoked_token(agent, api_as):
    from helpwire.accounts.actions import revoke_token
    from helpwire.accounts.models import ApiToken

    client = api_as(agent)
    revoke_token(token=ApiToken.objects.get(agent=agent))
    assert client.get("/tickets").status_code == 401


def test_it_reads_a_ticket_with_messages_tags_fields_client_and_history(api, support):
    created = _create(api, group_id=support.pk)
    api.post(f"/tickets/{created['id']}/messages", {"body": "Проверяем", "kind": "reply"})
    body = api.get(f"/tickets/{created['id']}").json()
    assert [m["kind"] for m in body["messages"]] == ["inbound", "outbound"]
    assert body["client"]["name"] == "Анна Смирнова"
    assert body["status"] == "open"
    assert any(h["field"] == "status" and h["new"] == "open" for h in body["history"])


def test_it_hides_other_groups_tickets_from_an_agent(api_as, admin, agent, claims):
    created = _create(api_as(admin), group_id=claims.pk)
    outsider = api_as(agent)
    response = outsider.get(f"/tickets/{created['id']}")
    assert response.status_code == 404  # not 403: the id reveals nothing
    assert outsider.patch(f"/tickets/{created['id']}", {"priority": "low"}).status_code == 404
    assert outsider.post(f"/tickets/{created['id']}/messages", {"body": "x"}).status_code == 404
    assert outsider.get("/tickets").json()["items"] == []


def test_it_hides_client_contacts_from_a_contractor(api_as, admin, contractor):
    created = _create(api_as(admin), assignee_id=contractor.pk)
    body = api_as(contractor).get(f"/tickets/{created['id']}").json()
    assert body["identities"] == []
    assert api_as(contractor).get("/clients").status_code == 403


def test_it_patches_through_the_actions(api, agent, support):
    created = _create(api, group_id=support.pk)
    response = api.patch(f"/tickets/{created['id']}", {
        "status": "pending", "priority": "low", "assignee_id": agent.pk,
        "tags": ["Оплата › Возврат"], "subject": "Возврат"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["priority"], body["assignee"]["id"]) == (
        "pending", "low", agent.pk)
    assert body["tags"] == ["Оплата › Возврат"]
    fields = {h["field"] for h in body["history"]}
    assert {"status", "priority", "assignee", "tags", "subject"} <= fields


def test_it_refuses_an_invalid_transition_with_400(api, support):
    created = _create(api, group_id=support.pk)
    api.patch(f"/tickets/{created['id']}", {"status": "closed"})
    response = api.patch(f"/tickets/{created['id']}", {"status": "open"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "ticket_closed"


def test_it_adds_a_private_note(api, support):
    created = _create(api, group_id=support.pk)
    response = api.post(f"/tickets/{created['id']}/messages",
                        {"body": "Клиент ошибся адресом", "kind": "note"})
    assert response.status_code == 201
    assert response.json()["kind"] == "note"


def test_it_merges_tickets(api, support):
    a = _create(api, group_id=support.pk)
    b = _create(api, group_id=support.pk, message="Второе письмо", tags=["Оплата"])
    response = api.post(f"/tickets/{a['id']}/merge", {"ticket_ids": [b["id"]]})
    assert response.status_code == 200
    body = response.json()
    assert len(body["messages"]) == 2
    assert set(body["tags"]) == {"Доставка › Сроки › Задержка", "Оплата"}
    assert api.get(f"/tickets/{b['id']}").json()["status"] == "merged"
    assert api.post(f"/tickets/{a['id']}/merge", {"ticket_ids": [a["id"]]}).status_code == 400


def test_it_sets_and_fires_a_reminder(api, support):
    created = _create(api, group_id=support.pk)
    at = (timezone.now() + timedelta(days=2)).isoformat()
    body = api.put(f"/tickets/{created['id']}/reminder", {"at": at}).json()
    assert body["status"] == "pending" and body["remind_at"]
    timers.sweep(now=timezone.now() + timedelta(days=3))
    assert api.get(f"/tickets/{created['id']}").json()["status"] == "open"
    past = api.put(f"/tickets/{created['id']}/reminder", {"at": "2001-01-01T00:00:00Z"})
    assert past.status_code == 400
    naive = api.put(f"/tickets/{created['id']}/reminder", {"at": "2031-01-01T00:00:00"})
    assert naive.status_code == 422


def test_it_clears_a_reminder(api, support):
    created = _create(api, group_id=support.pk)
    at = (timezone.now() + timedelta(days=2)).isoformat()
    api.put(f"/tickets/{created['id']}/reminder", {"at": at})
    body = api.delete(f"/tickets/{created['id']}/reminder").json()
    assert body["remind_at"] is None


@pytest.fixture
def many(api, support):
    return [_create(api, group_id=support.pk, message=f"Письмо {n}") for n in range(7)]


def test_it_pages_with_a_cursor(api, many):
    seen, cursor = [], None
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        body = api.get("/tickets", **params).json()
        seen += [t["id"] for t in body["items"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert sorted(seen) == sorted(t["id"] for t in many)
    assert len(seen) == len(set(seen))
    assert api.get("/tickets", cursor="garbage!").status_code == 400


def test_it_filters_by_status_assignee_tag_subtree_and_channel(api, agent, many):
    update_ticket(ticket=Ticket.objects.get(pk=many[0]["id"]), status=Status.SOLVED,
                  assignee=agent, actor=Actor.system("test"))
    assert [t["id"] for t in api.get("/tickets", status="solved").json()["items"]] == [
        many[0]["id"]]
    assert [t["id"] for t in api.get("/tickets", assignee=str(agent.pk)).json()["items"]] == [
        many[0]["id"]]
    assert len(api.get("/tickets", assignee="none").json()["items"]) == 6
    assert len(api.get("/tickets", tag="Доставка").json()["items"]) == 7  # subtree
    assert api.get("/tickets", tag="Нет такого").json()["items"] == []
    assert api.get("/tickets", status="bogus").status_code == 422
    assert api.get("/tickets", assignee="bob").status_code == 400


def test_it_lists_in_a_bounded_number_of_queries(api, many, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        body = api.get("/tickets", limit=50).json()
    assert len(body["items"]) == 7


def test_it_answers_429_with_retry_after_past_the_rate(api, settings):
    from django.core.cache import cache

    cache.clear()
    settings.HELPWIRE_API_RATE = "3/m"
    codes = [api.get("/groups").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    response = api.get("/groups")
    assert int(response["Retry-After"]) > 0
    assert response.json()["error"]["code"] == "rate_limited"
    cache.clear()


def test_it_slides_the_rate_window_instead_of_resetting_it(api, settings, monkeypatch):
    """Three calls at the end of one minute leave no room at the start of the next (a
    fixed window would allow three more at once); the room comes back as it slides."""
    from django.core.cache import cache

    from helpwire.api import auth

    cache.clear()
    settings.HELPWIRE_API_RATE = "3/m"
    clock = {"now": 6000 * 60 + 59.0}
    monkeypatch.setattr(auth.time, "time", lambda: clock["now"])
    assert [api.get("/groups").status_code for _ in range(3)] == [200, 200, 200]
    clock["now"] += 2  # one second into the next minute
    refused = api.get("/groups")
    assert refused.status_code == 429 and 1 <= int(refused["Retry-After"]) <= 59
    clock["now"] += 40  # 41 s in: 19/60 of the earlier minute still counts, 3 × 19/60 ≈ 0.95
    assert [api.get("/groups").status_code for _ in range(3)] == [200, 200, 429]
    cache.clear()


def test_it_serves_the_openapi_document_and_docs(api, db):
    from django.test import Client

    schema = Client().get("/api/v1/openapi.json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    for path in ("/api/v1/tickets", "/api/v1/tickets/{ticket_id}",
                 "/api/v1/tickets/{ticket_id}/messages", "/api/v1/tickets/{ticket_id}/merge",
                 "/api/v1/tickets/{ticket_id}/reminder", "/api/v1/clients",
                 "/api/v1/clients/{client_id}", "/api/v1/clients/{client_id}/merge",
                 "/api/v1/tags", "/api/v1/groups", "/api/v1/agents", "/api/v1/fields"):
        assert path in paths
    docs = Client().get("/api/v1/docs")
    assert docs.status_code == 200 and b"swagger" in docs.content.lower()


def test_it_finds_a_new_ticket_by_an_inflected_russian_word_at_once(api, support):
    created = _create(api, group_id=support.pk, subject="Вопрос",
                      message="У сотрудников не приходит зарплата на карту")
    body = api.get("/tickets", q="зарплату").json()
    assert [t["id"] for t in body["items"]] == [created["id"]]
    assert "<mark>" in body["hits"][0]["snippet"]
    assert api.get("/tickets", q=f"#{created['number']}").json()["items"][0]["id"] == created["id"]
    assert api.get("/tickets", q="anna@example.ru").json()["items"][0]["id"] == created["id"]
    assert api.get("/tickets", q="отсутствующееслово").json()["items"] == []


def test_it_searches_only_what_the_agent_may_see(api_as, admin, agent, claims):
    _create(api_as(admin), group_id=claims.pk, message="Секретная претензия про зарплату")
    assert api_as(agent).get("/tickets", q="зарплата").json()["items"] == []
    assert len(api_as(admin).get("/tickets", q="зарплата").json()["items"]) == 1


def test_it_filters_by_custom_fields(api, support):
    CustomField.objects.create(key="topic", label="Тема", kind=FieldKind.LIST,
                               options=["Доставка", "Оплата"])
    CustomField.objects.create(key="call", label="Звонок", kind=FieldKind.CHECKBOX)
    paid = _create(api, group_id=support.pk, fields={"topic": "Оплата", "call": True})
    _create(api, group_id=support.pk, fields={"topic": "Доставка"})
    assert [t["id"] for t in api.get("/tickets", field="topic=Оплата").json()["items"]] == [
        paid["id"]]
    assert [t["id"] for t in api.get("/tickets", field="call=true").json()["items"]] == [
        paid["id"]]
    assert api.get("/tickets", field="topic").status_code == 400
