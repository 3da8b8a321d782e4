"""Event rules [AU1 AU2 CL5] as the seeds use them: a ticket about «зарплата» in any form
goes to the payroll agent before anyone sees it, rules run in order and stop, a failing rule
keeps the mail, and a rule loop stops by itself."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from helpwire.accounts.models import Notification
from helpwire.automation import actions, engine, rule_inputs
from helpwire.automation.models import Outcome, Rule, RuleFiring
from helpwire.core.models import Event
from helpwire.tickets.models import Change, CustomField, FieldKind, Message, MessageKind, Status


def rule(**spec) -> Rule:
    values = rule_inputs.clean(**{"name": "Правило", "enabled": True, "mode": "event",
                                  "events": ["ticket.created"], "conditions": {}, "stop": False,
                                  **spec})
    return actions.create_rule(values=values)


def test_it_routes_any_form_of_a_word_to_the_payroll_agent(inbound, agent, support):
    rule(name="Зарплата → Иван", conditions={"all": [
        {"field": "text", "op": "word_forms", "value": ["зарплата"]}]},
        actions=[{"type": "assign", "agent_id": agent.pk},
                 {"type": "add_tags", "tags": ["Оплата › Зарплата"]}])
    ticket = inbound("Добрый день! С зарплатой опять задержка").ticket
    ticket.refresh_from_db()
    assert ticket.assignee == agent
    assert [t.path for t in ticket.tags.all()] == ["Оплата › Зарплата"]
    change = Change.objects.filter(ticket=ticket, field="assignee").get()
    assert (change.actor_kind, change.actor_name) == ("rule", "Зарплата → Иван")
    firing = RuleFiring.objects.get()
    assert firing.outcome == Outcome.DONE and firing.event == "ticket.created"
    assert firing.matched[0]["value"] == ["зарплата"]


def test_it_leaves_a_ticket_alone_when_the_word_is_not_there(inbound, agent):
    rule(conditions={"all": [{"field": "text", "op": "word_forms", "value": ["зарплата"]}]},
         actions=[{"type": "assign", "agent_id": agent.pk}])
    ticket = inbound("Где моя посылка?").ticket
    ticket.refresh_from_db()
    assert ticket.assignee is None and not RuleFiring.objects.exists()


def test_it_runs_rules_in_order_and_stops_where_told(inbound):
    first = rule(name="Срочно", actions=[{"type": "set_priority", "value": "urgent"}],
                 stop=True)
    rule(name="Тег", actions=[{"type": "add_tags", "tags": ["позже"]}])
    ticket = inbound().ticket
    ticket.refresh_from_db()
    assert ticket.priority == "urgent" and not ticket.tags.exists()
    actions.move_rule(rule=first, position=Rule.objects.count())  # now last: both run
    ticket2 = inbound(email="other@example.ru").ticket
    assert ticket2.tags.filter(name="позже").exists()


def test_it_lets_a_later_rule_see_an_earlier_rules_change(inbound):
    rule(name="Срочно", actions=[{"type": "set_priority", "value": "urgent"}])
    rule(name="Срочные в претензии", conditions={"all": [
        {"field": "priority", "op": "is", "value": "urgent"}]},
        actions=[{"type": "add_tags", "tags": ["горит"]}])
    assert inbound().ticket.tags.filter(name="горит").exists()


def test_it_fires_message_received_only_for_a_client_writing_again(inbound):
    rule(events=["message.received"], actions=[{"type": "add_tags", "tags": ["снова"]}])
    first = inbound(thread="x").ticket
    assert not first.tags.exists()
    inbound("И ещё вопрос", thread="x")
    assert first.tags.filter(name="снова").exists()


def test_it_keeps_the_mail_when_a_rule_fails(inbound):
    CustomField.objects.create(key="city", label="Город", kind=FieldKind.LIST,
                               options=["Москва"])
    rule(name="Сломанное", actions=[{"type": "set_field", "key": "city", "value": "Марс"}])
    result = inbound("Письмо, которое нельзя потерять")
    assert Message.objects.filter(ticket=result.ticket, kind=MessageKind.INBOUND).exists()
    firing = RuleFiring.objects.get()
    assert firing.outcome == Outcome.FAILED and firing.error


def test_it_stops_a_rule_loop_by_itself(inbound):
    rule(name="Вверх", events=["ticket.changed"], conditions={"all": [
        {"field": "priority", "op": "is", "value": "medium"}]},
        actions=[{"type": "set_priority", "value": "urgent"}])
    rule(name="Вниз", events=["ticket.changed"], conditions={"all": [
        {"field": "priority", "op": "is", "value": "urgent"}]},
        actions=[{"type": "set_priority", "value": "medium"}])
    rule(name="Пуск", actions=[{"type": "add_tags", "tags": ["пуск"]}])
    ticket = inbound().ticket  # the tag change starts the ping-pong
    outcomes = set(RuleFiring.objects.values_list("outcome", flat=True))
    assert Outcome.TOO_DEEP in outcomes or Outcome.CAPPED in outcomes
    assert RuleFiring.objects.filter(outcome=Outcome.DONE).count() <= engine.MAX_DEPTH + 1
    assert Message.objects.filter(ticket=ticket).exists()


def test_it_caps_a_rule_per_ticket_per_day(inbound):
    rule(events=["message.received"], daily_cap=2,
         actions=[{"type": "add_note", "text": "Клиент снова пишет"}])
    inbound(thread="y")
    for _ in range(4):
        inbound("ещё", thread="y")
    assert RuleFiring.objects.filter(outcome=Outcome.DONE).count() == 2
    assert RuleFiring.objects.filter(outcome=Outcome.CAPPED).count() == 2


def test_it_does_not_treat_its_own_note_as_an_agents_answer(inbound):
    rule(name="Заметка", actions=[{"type": "add_note", "text": "Проверить оплату"}])
    rule(name="На ответ", events=["reply.sent", "note.added"],
         actions=[{"type": "add_tags", "tags": ["отвечено"]}])
    ticket = inbound().ticket
    note = Message.objects.get(ticket=ticket, kind=MessageKind.NOTE)
    assert note.actor_kind == "rule" and note.actor_name == "Заметка"
    assert not ticket.tags.filter(name="отвечено").exists()


def test_it_tries_a_rule_on_a_ticket_without_writing_a_row(inbound, agent):
    ticket = inbound("Зарплату не перечислили").ticket
    r = rule(name="Зарплата", enabled=False, conditions={"all": [
        {"field": "text", "op": "word_forms", "value": ["зарплата"]}]},
        actions=[{"type": "assign", "agent_id": agent.pk},
                 {"type": "notify", "assignee": True}])
    counts = [m.objects.count() for m in (Change, Event, RuleFiring, Notification, Message)]
    result = engine.try_rule(rule=r, ticket=ticket)
    assert result["matched"] is True
    assert [a["type"] for a in result["actions"]] == ["assign", "notify"]
    assert [m.objects.count() for m in (Change, Event, RuleFiring, Notification, Message)] == (
        counts)
    ticket.refresh_from_db()
    assert ticket.assignee is None


def test_it_runs_no_disabled_rule(inbound):
    rule(enabled=False, actions=[{"type": "set_status", "value": "spam"}])
    assert inbound().ticket.status == Status.NEW


@pytest.mark.parametrize(("spec", "field"), [
    ({"events": ["ticket.exploded"]}, "events"),
    ({"events": []}, "events"),
    ({"conditions": {"all": [{"field": "colour", "op": "is", "value": "red"}]}}, "conditions"),
    ({"conditions": {"all": [{"field": "text", "op": "regex", "value": "(unclosed"}]}},
     "conditions"),
    ({"conditions": {"all": [{"field": "status", "op": "is", "value": "burning"}]}},
     "conditions"),
    ({"conditions": {"all": [{"field": "priority", "op": "word_forms", "value": ["x"]}]}},
     "conditions"),
    ({"actions": []}, "actions"),
    ({"actions": [{"type": "launch_rocket"}]}, "actions"),
    ({"actions": [{"type": "assign", "agent_id": 999999}]}, "actions"),
    ({"actions": [{"type": "assign", "strategy": "round_robin"}]}, "actions"),
    ({"actions": [{"type": "set_status", "value": "done"}]}, "actions"),
])
def test_it_refuses_a_broken_rule_and_names_the_part(db, spec, field):
    with pytest.raises(ValidationError) as caught:
        rule(**{"actions": [{"type": "spam"}], **spec})
    assert field in caught.value.message_dict
