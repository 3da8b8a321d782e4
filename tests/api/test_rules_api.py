"""/api/v1/rules [AU1]: the issue's shape, validation shared with the editor, reordering,
"try" that writes nothing, and the firing log."""

from __future__ import annotations

from helpwire.automation.models import Rule, RuleFiring
from helpwire.core.models import Event
from helpwire.tickets.models import Change

SALARY = {
    "name": "Зарплата → Ольга", "enabled": True, "mode": "event",
    "events": ["ticket.created", "message.received"],
    "conditions": {"all": [{"field": "text", "op": "word_forms", "value": ["зарплата"]}],
                   "any": []},
    "actions": [{"type": "assign", "agent_id": None},
                {"type": "add_tags", "tags": ["Оплата › Зарплата"]}],
    "stop": False,
}


def salary(agent) -> dict:
    return {**SALARY, "actions": [{"type": "assign", "agent_id": agent.pk},
                                  *SALARY["actions"][1:]]}


def test_it_takes_the_issues_rule_and_routes_by_it(api_as, admin, agent, inbound):
    shipped = Rule.objects.count()  # the auto-replies every install has, off
    r = api_as(admin).post("/rules", salary(agent))
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["id"] and body["position"] == shipped and body["events"] == SALARY["events"]
    ticket = inbound("Почему зарплаты нет?").ticket
    ticket.refresh_from_db()
    assert ticket.assignee == agent
    log = api_as(admin).get(f"/rules/{body['id']}/firings").json()
    assert log[0]["ticket_id"] == ticket.pk and log[0]["outcome"] == "done"


def test_it_says_which_part_of_a_rule_is_wrong(api_as, admin):
    before = Rule.objects.count()
    r = api_as(admin).post("/rules", {**SALARY, "events": ["ticket.exploded"],
                                      "actions": [{"type": "fly"}]})
    assert r.status_code == 400
    details = r.json()["error"]["details"]
    assert set(details) == {"events", "actions"}
    assert Rule.objects.count() == before


def test_it_reorders_and_patches_only_what_is_sent(api_as, admin, agent):
    api = api_as(admin)
    ids = [api.post("/rules", {**salary(agent), "name": f"R{i}"}).json()["id"]
           for i in range(3)]
    r = api.patch(f"/rules/{ids[2]}", {"position": 0})
    assert r.status_code == 200

    def mine():
        return [x["name"] for x in api.get("/rules").json() if x["name"].startswith("R")]

    assert mine() == ["R2", "R0", "R1"] and api.get("/rules").json()[0]["name"] == "R2"
    r = api.patch(f"/rules/{ids[0]}", {"enabled": False})
    assert r.json()["enabled"] is False and r.json()["conditions"] == {
        "all": SALARY["conditions"]["all"], "any": []}
    assert api.delete(f"/rules/{ids[1]}").status_code == 204
    assert mine() == ["R2", "R0"]


def test_it_tries_a_rule_on_a_ticket_and_writes_nothing(api_as, admin, agent, inbound):
    ticket = inbound("Вопрос по зарплате").ticket
    api = api_as(admin)
    rid = api.post("/rules", {**salary(agent), "enabled": False}).json()["id"]
    before = (Change.objects.count(), Event.objects.count(), RuleFiring.objects.count())
    r = api.post(f"/rules/{rid}/try", {"ticket_id": ticket.pk})
    assert r.status_code == 200, r.content
    assert r.json()["matched"] is True
    assert r.json()["actions"][0] == {"type": "assign", "agent_id": agent.pk}
    assert (Change.objects.count(), Event.objects.count(),
            RuleFiring.objects.count()) == before


def test_it_keeps_rules_to_admins(api_as, agent):
    assert api_as(agent).get("/rules").status_code == 403
    assert api_as(agent).post("/rules", SALARY).status_code == 403
