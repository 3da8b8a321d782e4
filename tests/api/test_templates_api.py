"""/api/v1/templates [TK7]: the issue's shape, the settings screen's validation."""

from __future__ import annotations

from helpwire.automation.models import ReplyTemplate


def test_it_creates_a_template_in_a_section_and_answers_its_id(api_as, admin, agent):
    r = api_as(admin).post("/templates", {"title": "Возврат", "section": "Финансы > Возвраты",
                                          "body": "{{client.name}}, возврат одобрен."})
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["id"] and body["section"] == "Финансы › Возвраты"
    titles = [t["title"] for t in api_as(agent).get("/templates").json()]
    assert "Возврат" in titles


def test_it_refuses_an_unknown_variable_and_an_empty_text(api_as, admin):
    api = api_as(admin)
    r = api.post("/templates", {"title": "x", "body": "Пароль: {{client.password}}"})
    assert r.status_code == 400 and "client.password" in r.json()["error"]["message"]
    r = api.post("/templates", {"title": "x", "body": "   "})
    assert r.status_code == 400 and "body" in r.json()["error"]["details"]
    assert not ReplyTemplate.objects.filter(title="x").exists()


def test_it_patches_only_what_is_sent_and_keeps_changes_to_admins(api_as, admin, agent):
    made = api_as(admin).post("/templates", {"title": "Привет", "body": "Здравствуйте!"})
    tid = made.json()["id"]
    r = api_as(admin).patch(f"/templates/{tid}", {"is_active": False})
    assert r.json()["body"] == "Здравствуйте!" and r.json()["is_active"] is False
    assert api_as(agent).patch(f"/templates/{tid}", {"title": "x"}).status_code == 403
    assert api_as(admin).delete(f"/templates/{tid}").status_code == 204


def test_it_will_not_delete_a_template_a_rule_replies_with(api_as, admin):
    api = api_as(admin)
    made = api.post("/templates", {"title": "Ack", "body": "Заявка {{ticket.number}}"})
    tid = made.json()["id"]
    api.post("/rules", {"name": "Подтверждение", "events": ["ticket.created"],
                        "actions": [{"type": "reply_template", "template_id": tid}]})
    r = api.delete(f"/templates/{tid}")
    assert r.status_code == 400 and r.json()["error"]["code"] == "in_use"
    assert "Подтверждение" in r.json()["error"]["message"]
    assert ReplyTemplate.objects.filter(pk=tid).exists()
