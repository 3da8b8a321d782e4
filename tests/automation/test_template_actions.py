"""Templates that carry actions [TK7], as Usedesk's do: sending a reply made from one also
tags the ticket and sets its status — as the agent, in the same step; a status he picked
himself wins; a template may not do what only rules do."""

from __future__ import annotations

from helpwire.automation.models import ReplyTemplate
from helpwire.tickets.models import Change, Message, MessageKind, Status, Tag
from tests.api.conftest import Api


def refund_template(admin) -> int:
    r = Api(admin).post("/templates", {
        "title": "Возврат оформлен", "body": "Деньги вернутся за 3 дня.",
        "actions": [{"type": "add_tags", "tags": ["Оплата › Возврат"]},
                    {"type": "set_status", "value": "solved"}]})
    assert r.status_code == 201, r.content
    assert r.json()["actions"][0]["tags"] == ["Оплата › Возврат"]
    return r.json()["id"]


def test_it_tags_and_solves_when_the_agent_sends_it(admin, agent, ticket):
    template_id = refund_template(admin)
    assert Tag.objects.filter(path="Оплата › Возврат").exists()  # made by the admin's save
    r = Api(agent).post(f"/tickets/{ticket.pk}/messages",
                        {"body": "Деньги вернутся за 3 дня.", "template_ids": [template_id]})
    assert r.status_code == 201, r.content
    ticket.refresh_from_db()
    assert ticket.status == Status.SOLVED
    assert [t.path for t in ticket.tags.all()] == ["Оплата › Возврат"]
    change = Change.objects.get(ticket=ticket, field="tags")
    assert change.actor_agent_id == agent.pk


def test_the_status_the_agent_picked_wins(admin, agent, ticket, browser_as):
    template_id = refund_template(admin)
    r = browser_as(agent).post(f"/tickets/{ticket.pk}/reply/", {
        "body": "Уточните номер карты", "kind": "reply", "status": "pending",
        "templates": [template_id]}, HTTP_HX_REQUEST="true")
    assert r.status_code == 200
    ticket.refresh_from_db()
    assert ticket.status == Status.PENDING and ticket.tags.filter(name="Возврат").exists()
    assert Message.objects.filter(ticket=ticket, kind=MessageKind.OUTBOUND).count() == 1


def test_it_refuses_actions_only_rules_may_do(admin):
    r = Api(admin).post("/templates", {"title": "x", "body": "y",
                                       "actions": [{"type": "spam"}]})
    assert r.status_code == 400 and not ReplyTemplate.objects.filter(title="x").exists()


def test_it_edits_the_actions_in_plain_fields(admin, browser_as):
    b = browser_as(admin)
    r = b.post("/settings/templates/new/", {
        "title": "Передано в доставку", "body": "Передали в доставку.", "is_active": "on",
        "add_tags": "Доставка, Ждём", "set_priority": "urgent"})
    assert r.status_code == 302
    template = ReplyTemplate.objects.get(title="Передано в доставку")
    assert template.actions == [{"type": "add_tags", "tags": ["Доставка", "Ждём"]},
                                {"type": "set_priority", "value": "urgent"}]
    page = b.get(f"/settings/templates/{template.pk}/").content.decode()
    assert 'value="Доставка, Ждём"' in page
