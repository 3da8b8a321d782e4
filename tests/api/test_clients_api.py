"""API v1 clients and reference data."""

from __future__ import annotations

from helpwire.clients.models import Client
from helpwire.tickets.models import CustomField, FieldKind


def test_it_creates_finds_and_reads_a_client(api, inbound):
    response = api.post("/clients", {"name": "Олег", "email": "Oleg@Example.ru",
                                     "phone": "+7 (903) 111-22-33", "handles": {"telegram": "42"}})
    assert response.status_code == 201, response.content
    created = response.json()
    assert {i["kind"] for i in created["identities"]} == {"email", "phone", "telegram"}
    for q in ("олег", "oleg@example.ru", "8 903 111 22 33"):
        items = api.get("/clients", q=q).json()["items"]
        assert [c["id"] for c in items] == [created["id"]], q
    inbound("Вопрос", email="oleg@example.ru")
    body = api.get(f"/clients/{created['id']}").json()
    assert len(body["tickets"]) == 1


def test_it_refuses_a_duplicate_identity(api):
    api.post("/clients", {"name": "A", "email": "a@example.ru"})
    response = api.post("/clients", {"name": "B", "email": "A@example.ru"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "identity_taken"


def test_it_updates_a_client_and_manages_identities(api, agent):
    created = api.post("/clients", {"name": "Ира", "email": "ira@example.ru"}).json()
    body = api.patch(f"/clients/{created['id']}", {"name": "Ирина", "is_internal": True,
                                                   "responsible_id": agent.pk}).json()
    assert (body["name"], body["is_internal"], body["responsible"]["id"]) == (
        "Ирина", True, agent.pk)
    body = api.post(f"/clients/{created['id']}/identities",
                    {"kind": "phone", "value": "89161234567"}).json()
    phone = next(i for i in body["identities"] if i["kind"] == "phone")
    assert phone["value"] == "+79161234567"
    bad = api.post(f"/clients/{created['id']}/identities", {"kind": "phone", "value": "abc"})
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid_phone"
    body = api.delete(f"/clients/{created['id']}/identities/{phone['id']}").json()
    assert all(i["kind"] != "phone" for i in body["identities"])


def test_it_merges_clients_for_supervisors_only(api, api_as, supervisor):
    a = api.post("/clients", {"name": "A", "email": "a1@example.ru"}).json()
    b = api.post("/clients", {"name": "B", "email": "b1@example.ru"}).json()
    assert api.post(f"/clients/{a['id']}/merge", {"client_ids": [b["id"]]}).status_code == 403
    response = api_as(supervisor).post(f"/clients/{a['id']}/merge", {"client_ids": [b["id"]]})
    assert response.status_code == 200
    assert {i["value"] for i in response.json()["identities"]} == {"a1@example.ru",
                                                                  "b1@example.ru"}
    assert Client.objects.get(pk=b["id"]).merged_into_id == a["id"]
    assert api.get(f"/clients/{b['id']}").status_code == 404


def test_it_pages_clients(api):
    for n in range(5):
        api.post("/clients", {"name": f"C{n}", "email": f"c{n}@example.ru"})
    first = api.get("/clients", limit=3).json()
    second = api.get("/clients", limit=3, after=first["next_cursor"]).json()
    assert len(first["items"]) == 3 and len(second["items"]) == 2
    assert second["next_cursor"] is None


def test_it_lists_tags_groups_agents_and_fields(api, admin_api, agent, support):
    assert admin_api.post("/tags", {"path": "Доставка › Сроки › Задержка"}).status_code == 201
    assert api.post("/tags", {"path": "Чужое"}).status_code == 403
    paths = [t["path"] for t in api.get("/tags").json()]
    assert paths == ["Доставка", "Доставка › Сроки", "Доставка › Сроки › Задержка"]
    assert [g["name"] for g in api.get("/groups").json()] == [support.name]
    me = next(a for a in api.get("/agents").json() if a["id"] == agent.pk)
    assert me["group_ids"] == [support.pk] and me["role"] == "agent"
    CustomField.objects.create(key="order", label="Заказ", kind=FieldKind.TEXT, required=True)
    [field] = api.get("/fields").json()
    assert (field["key"], field["required"], field["channel_ids"]) == ("order", True, [])
