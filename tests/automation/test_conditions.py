"""Each condition field and operator [AU1 AU2], on a real ticket from the intake path."""

from __future__ import annotations

import time

import pytest

from helpwire.automation.conditions import Facts, evaluate, holds
from helpwire.calendars import actions as calendar_actions
from helpwire.calendars import inputs as calendar_inputs
from helpwire.tickets import tags
from helpwire.tickets.actions import update_ticket
from helpwire.tickets.models import CustomField, FieldKind
from tests.conftest import as_agent


@pytest.fixture
def facts(inbound, agent, support):
    CustomField.objects.create(key="sum", label="Сумма", kind=FieldKind.TEXT)
    result = inbound("Не пришла зарплата за ноябрь. Номер заказа 12345.",
                     subject="Зарплата и возврат", email="ivan@bank.ru")
    ticket = result.ticket
    update_ticket(ticket=ticket, actor=as_agent(agent), group=support,
                  add_tags=[tags.ensure("Оплата › Зарплата").path], field_values={"sum": "1500"})
    ticket.refresh_from_db()
    result.message.meta = {**result.message.meta, "from": "ivan@bank.ru"}
    return Facts(event="ticket.created", ticket=ticket, message=result.message)


@pytest.mark.parametrize(("condition", "expected"), [
    ({"field": "text", "op": "word_forms", "value": ["зарплатой"]}, True),
    ({"field": "body", "op": "word_forms", "value": ["отпуск", "ноябре"]}, True),
    ({"field": "subject", "op": "word_forms", "value": ["посылка"]}, False),
    ({"field": "body", "op": "contains", "value": "ЗАКАЗА 123"}, True),
    ({"field": "body", "op": "phrase", "value": "номер заказа"}, True),
    ({"field": "body", "op": "phrase", "value": "номер зак"}, False),
    ({"field": "body", "op": "regex", "value": r"заказа\s+\d{5}\b"}, True),
    ({"field": "subject", "op": "is", "value": "зарплата и возврат"}, True),
    ({"field": "sender", "op": "is", "value": "bank.ru"}, True),
    ({"field": "sender", "op": "is", "value": "@bank.ru"}, True),
    ({"field": "sender", "op": "is_not", "value": "ivan@bank.ru"}, False),
    ({"field": "sender", "op": "in", "value": ["pay.ru", "ivan@bank.ru"]}, True),
    ({"field": "tag", "op": "is", "value": "Оплата"}, True),  # the subtree
    ({"field": "tag", "op": "is", "value": "Оплата › Возврат"}, False),
    ({"field": "tag", "op": "is_not", "value": "Доставка"}, True),
    ({"field": "status", "op": "in", "value": ["new", "open"]}, True),
    ({"field": "priority", "op": "is_not", "value": "medium"}, False),
    ({"field": "type", "op": "is", "value": "question"}, True),
    ({"field": "assignee", "op": "not_set"}, True),
    ({"field": "group", "op": "set"}, True),
    ({"field": "client.internal", "op": "is", "value": False}, True),
    ({"field": "client.company", "op": "not_set"}, True),
    ({"field": "field.sum", "op": "gt", "value": 1000}, True),
    ({"field": "field.sum", "op": "lt", "value": 1000}, False),
    ({"field": "field.sum", "op": "set"}, True),
])
def test_it_evaluates_each_condition(facts, condition, expected):
    assert holds(condition, facts) is expected


def test_it_needs_all_of_all_and_one_of_any(facts):
    yes = {"field": "status", "op": "is", "value": facts.ticket.status}
    no = {"field": "status", "op": "is", "value": "closed"}
    assert evaluate({"all": [yes], "any": [no, yes]}, facts) == (True, [yes, yes])
    assert evaluate({"all": [yes, no], "any": []}, facts)[0] is False
    assert evaluate({"all": [], "any": [no]}, facts)[0] is False
    assert evaluate({}, facts)[0] is True


def test_it_gives_up_on_a_catastrophic_regex_quickly(facts):
    facts.message.body_text = "a" * 40 + "!"
    started = time.monotonic()
    assert holds({"field": "body", "op": "regex", "value": r"^(a+)+$"}, facts) is False
    assert time.monotonic() - started < 2


def test_it_knows_working_hours_from_the_groups_calendar(facts, support):
    night = calendar_inputs.clean(name="Ночь", time_zone="UTC", holidays=None, days=[],
                                  rotation=None, week={d: [["00:00", "24:00"]] for d in
                                                       ("mon", "tue", "wed", "thu", "fri",
                                                        "sat", "sun")})
    support.calendar = calendar_actions.save_calendar(values=night)
    support.save()
    facts.ticket.refresh_from_db()
    assert holds({"field": "working_hours", "op": "is", "value": True}, facts)
    closed = calendar_inputs.clean(name="Никогда", time_zone="UTC", holidays=None,
                                   rotation=None, week={"mon": [["00:00", "00:01"]]},
                                   days=[])
    support.calendar = calendar_actions.save_calendar(values=closed)
    support.save()
    facts.ticket = type(facts.ticket).objects.get(pk=facts.ticket.pk)
    facts.now = facts.ticket.created_at.replace(year=2026, month=12, day=2, hour=12)
    assert holds({"field": "working_hours", "op": "is", "value": False}, facts)


def test_it_knows_what_a_change_changed(facts):
    facts.changes = {"status": ["new", "open"], "field:sum": [None, "1500"]}
    assert holds({"field": "changed", "op": "in", "value": ["status", "priority"]}, facts)
    assert holds({"field": "changed", "op": "is", "value": "field:sum"}, facts)
    assert not holds({"field": "changed", "op": "is", "value": ["assignee"]}, facts)
    assert holds({"field": "changed", "op": "is_not", "value": ["tags"]}, facts)
    facts.changes = {}
    assert holds({"field": "changed", "op": "not_set"}, facts)


def test_it_runs_a_rule_only_when_the_status_changed(inbound, agent):
    from helpwire.accounts.models import Notification
    from tests.automation.test_rules import rule

    rule(name="Статус сменился", events=["ticket.changed"],
         conditions={"all": [{"field": "changed", "op": "in", "value": ["status"]}]},
         actions=[{"type": "notify", "agent_ids": [agent.pk], "text": "статус"}])
    ticket = inbound("Вопрос").ticket
    update_ticket(ticket=ticket, actor=as_agent(agent), status="open")
    Notification.objects.all().delete()
    update_ticket(ticket=ticket, actor=as_agent(agent), priority="urgent")
    assert not Notification.objects.filter(kind="rule").exists()
    update_ticket(ticket=ticket, actor=as_agent(agent), status="pending")
    assert Notification.objects.filter(kind="rule", agent=agent).count() == 1
