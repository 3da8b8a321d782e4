"""Time rules [AU1 AU4] with a controllable clock: the shipped silent-client flow (remind
after 2 days pending, warn 3 days later, solve 3 days after that), once per pending spell,
working hours, rules enabled over existing tickets, and no scan of open tickets."""

from __future__ import annotations

import importlib
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError

from helpwire.automation import actions, rule_inputs, timed
from helpwire.automation.models import ReplyTemplate, Rule, RuleFiring
from helpwire.conversations import reply
from helpwire.core import timers
from helpwire.core.actors import Actor
from helpwire.core.models import Timer
from helpwire.tickets.models import Message, MessageKind, Status
from tests.automation.test_rule_sending import office

MSK = ZoneInfo("Europe/Moscow")
START = datetime(2026, 12, 7, 10, 0, tzinfo=MSK)  # a Monday morning
shipped = importlib.import_module(
    "helpwire.automation.migrations.0005_silent_client_and_service_mail")


def silent_client_rules() -> list[Rule]:
    Rule.objects.filter(name__startswith="Молчащий клиент").delete()
    shipped.ship_silent_client(ReplyTemplate, Rule, position=Rule.objects.count())
    found = list(Rule.objects.filter(name__startswith="Молчащий клиент").order_by("position"))
    for rule in found:  # enabled on the rules screen, as a lead does
        actions.update_rule(rule=rule, values={"enabled": True})
        timed.seed_now(rule.pk)
    return found


def sweep_at(moment: datetime) -> int:
    with time_machine.travel(moment, tick=False):
        return timers.sweep()


def automatic_replies(ticket) -> list[str]:
    return [m.actor_name for m in Message.objects.filter(
        ticket=ticket, kind=MessageKind.OUTBOUND, actor_kind="rule").order_by("pk")]


def test_it_reminds_warns_and_solves_a_silent_client(inbound, agent, support):
    silent_client_rules()
    with time_machine.travel(START, tick=False):
        ticket = inbound("Не работает оплата", thread="silent-1",
                         ticket_defaults={"group_id": support.pk}).ticket
        reply(ticket=ticket, actor=Actor.of_agent(agent), text="Пришлите номер заказа",
              status=Status.PENDING)
    sweep_at(START + timedelta(hours=47))
    assert automatic_replies(ticket) == []
    sweep_at(START + timedelta(hours=48, seconds=5))
    assert automatic_replies(ticket) == ["Молчащий клиент: напоминание"]
    sweep_at(START + timedelta(hours=60))  # nothing twice
    sweep_at(START + timedelta(hours=120, seconds=5))
    assert automatic_replies(ticket)[-1] == "Молчащий клиент: предупреждение"
    sweep_at(START + timedelta(hours=192, seconds=5))
    ticket.refresh_from_db()
    assert ticket.status == Status.SOLVED
    assert automatic_replies(ticket) == ["Молчащий клиент: напоминание",
                                         "Молчащий клиент: предупреждение",
                                         "Молчащий клиент: закрытие"]
    closing = Message.objects.filter(ticket=ticket, actor_name="Молчащий клиент: закрытие").get()
    assert f"№{ticket.number}" in closing.body_text and "откроется снова" in closing.body_text
    # The reminders were not an agent's answers: the first response is the agent's.
    assert ticket.first_response_at == START
    # The client answers at last: the ticket opens again.
    with time_machine.travel(START + timedelta(days=9), tick=False):
        inbound("Извините, был в отпуске", thread="silent-1")
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN
    assert RuleFiring.objects.filter(ticket=ticket, event="time").count() == 3


def test_it_counts_again_from_the_next_pending_spell(inbound, agent, support):
    silent_client_rules()
    with time_machine.travel(START, tick=False):
        ticket = inbound("Вопрос", thread="silent-2").ticket
        reply(ticket=ticket, actor=Actor.of_agent(agent), text="Уточните", status=Status.PENDING)
    sweep_at(START + timedelta(hours=49))
    with time_machine.travel(START + timedelta(hours=50), tick=False):
        inbound("Вот уточнение", thread="silent-2")  # pending → open: the spell ends
        reply(ticket=ticket, actor=Actor.of_agent(agent), text="Спасибо, ещё вопрос",
              status=Status.PENDING)
    sweep_at(START + timedelta(hours=50 + 47))
    assert automatic_replies(ticket) == ["Молчащий клиент: напоминание"]
    sweep_at(START + timedelta(hours=50 + 49))
    assert automatic_replies(ticket) == ["Молчащий клиент: напоминание"] * 2


def test_it_does_nothing_when_the_agent_took_it_back_in_time(inbound, agent):
    silent_client_rules()
    with time_machine.travel(START, tick=False):
        ticket = inbound("Вопрос", thread="silent-3").ticket
        reply(ticket=ticket, actor=Actor.of_agent(agent), text="Уточните", status=Status.PENDING)
    with time_machine.travel(START + timedelta(hours=10), tick=False):
        reply(ticket=ticket, actor=Actor.of_agent(agent), text="Разобрались сами",
              status=Status.OPEN)
    assert not Timer.objects.filter(kind=timed.TIME_TIMER, ticket_id=ticket.pk,
                                    fired_at__isnull=True).exists()
    sweep_at(START + timedelta(days=10))
    assert automatic_replies(ticket) == []


def time_rule(**spec) -> Rule:
    values = rule_inputs.clean(**{"name": "По времени", "enabled": True, "mode": "time",
                                  "events": [], "stop": False, **spec})
    rule = actions.create_rule(values=values)
    timed.seed_now(rule.pk)
    return rule


def test_it_counts_working_hours_of_the_group_calendar(inbound, support):
    office(support)  # Mon–Fri 9–18 Moscow
    rule = time_rule(conditions={"all": [
        {"field": "working_hours_since_client_message", "op": "gt", "value": 2}]},
        actions=[{"type": "set_priority", "value": "urgent"}])
    friday_evening = datetime(2026, 12, 4, 17, 0, tzinfo=MSK)
    with time_machine.travel(friday_evening, tick=False):
        ticket = inbound("Срочно!", thread="wh-1",
                         ticket_defaults={"group_id": support.pk}).ticket
    timer = Timer.objects.get(kind=timed.TIME_TIMER, ticket_id=ticket.pk)
    # One working hour on Friday, the second ends Monday at 10:00.
    assert timer.due_at == datetime(2026, 12, 7, 10, 0, 1, tzinfo=MSK)
    assert timer.payload == {"rule_id": rule.pk}
    sweep_at(datetime(2026, 12, 6, 12, 0, tzinfo=MSK))  # Sunday: 1 working hour so far
    ticket.refresh_from_db()
    assert ticket.priority == "medium"
    sweep_at(datetime(2026, 12, 7, 10, 5, tzinfo=MSK))
    ticket.refresh_from_db()
    assert ticket.priority == "urgent"


def test_it_lays_timers_for_tickets_that_were_there_before_the_rule(inbound, agent):
    with time_machine.travel(START, tick=False):
        old = inbound("Старый", thread="old-1").ticket
        reply(ticket=old, actor=Actor.of_agent(agent), text="Ждём", status=Status.PENDING)
        solved = inbound("Решённый", thread="old-2").ticket
        reply(ticket=solved, actor=Actor.of_agent(agent), text="Готово", status=Status.SOLVED)
    with time_machine.travel(START + timedelta(days=3), tick=False):
        time_rule(conditions={"all": [
            {"field": "status", "op": "is", "value": "pending"},
            {"field": "hours_in_status", "op": "gt", "value": 24}]},
            actions=[{"type": "add_tags", "tags": ["Ждём клиента"]}])
        # Only the pending ticket got a timer: the status condition narrowed the seeding.
        assert set(Timer.objects.filter(kind=timed.TIME_TIMER).values_list(
            "ticket_id", flat=True)) == {old.pk}
        assert timers.sweep() == 1
        assert timers.sweep() == 0
    assert [t.path for t in old.tags.all()] == ["Ждём клиента"]
    assert not solved.tags.exists()


def test_it_fires_once_even_when_its_own_change_reschedules_the_ticket(inbound):
    rule = time_rule(conditions={"all": [
        {"field": "hours_since_created", "op": "gt", "value": 1}]},
        actions=[{"type": "add_tags", "tags": ["Час прошёл"]}, {"type": "archive"}])
    with time_machine.travel(START, tick=False):
        ticket = inbound("Квитанция", thread="once-1").ticket
    for hours in (2, 3, 30):
        sweep_at(START + timedelta(hours=hours))
    assert RuleFiring.objects.filter(rule=rule, ticket=ticket).count() == 1
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED and ticket.archived


def test_it_reads_hours_in_event_rules_too(inbound, agent):
    from tests.automation.test_rules import rule as event_rule

    event_rule(events=["message.received"], conditions={"all": [
        {"field": "hours_since_agent_message", "op": "gt", "value": 24}]},
        actions=[{"type": "add_tags", "tags": ["Вернулся"]}])
    with time_machine.travel(START, tick=False):
        ticket = inbound("Вопрос", thread="ev-1").ticket
        reply(ticket=ticket, actor=Actor.of_agent(agent), text="Ответ")
    with time_machine.travel(START + timedelta(hours=2), tick=False):
        inbound("Ещё вопрос", thread="ev-1")
    assert not ticket.tags.exists()
    with time_machine.travel(START + timedelta(days=2), tick=False):
        inbound("И ещё", thread="ev-1")
    assert [t.path for t in ticket.tags.all()] == ["Вернулся"]


@pytest.mark.parametrize("conditions", [
    {"all": [{"field": "status", "op": "is", "value": "pending"}]},
    {"all": [], "any": [{"field": "hours_in_status", "op": "gt", "value": 5}]},
])
def test_it_refuses_a_time_rule_that_could_never_come_due(db, conditions):
    with pytest.raises(ValidationError) as e:
        rule_inputs.clean(name="x", enabled=True, mode="time", events=[],
                          conditions=conditions, actions=[{"type": "spam"}], stop=False)
    assert "conditions" in e.value.message_dict


def test_it_refuses_hours_compared_as_text(db):
    with pytest.raises(ValidationError):
        rule_inputs.clean(name="x", enabled=True, mode="time", events=[], conditions={
            "all": [{"field": "hours_in_status", "op": "contains", "value": "5"}]},
            actions=[{"type": "spam"}], stop=False)
