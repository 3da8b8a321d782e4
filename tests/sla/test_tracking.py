"""Each ticket's SLA clocks [SL2 SL4] with a controllable clock: Mobifitness's support (1 h,
round the clock) and implementation (4 h, office hours) policies; reassignment switching the
clock from the original start; a warning and a breach each announced once and acted on by a
rule; a reply in time, a pending spell and automatic replies."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from helpwire.automation import actions as rule_actions
from helpwire.automation import rule_inputs
from helpwire.automation.models import RuleFiring
from helpwire.conversations import reply
from helpwire.core import timers
from helpwire.core.actors import Actor
from helpwire.core.models import Event
from helpwire.sla import actions, inputs
from helpwire.sla.models import SlaRecord, TicketSla
from helpwire.sla.tracking import api_block
from helpwire.tickets.actions import update_ticket
from helpwire.tickets.models import Message, MessageKind, Status
from tests.automation.test_rule_sending import office

MSK = ZoneInfo("Europe/Moscow")
MONDAY = datetime(2026, 12, 7, 10, 0, tzinfo=MSK)


def policy(name: str, *, minutes: int, calendar=None, **targets):
    values = inputs.clean(name=name, calendar_id=calendar.pk if calendar else None,
                          targets_value={"medium": {"first_response": minutes * 60, **targets}},
                          warning_seconds=900, pause_on=["pending", "on_hold"],
                          notes_count=False)
    return actions.save_policy(policy=None, values=values)


@pytest.fixture
def mobifitness(support, claims):
    """support: 1 h round the clock; claims plays implementation: 4 h in office hours."""
    office(claims)
    support_1h = policy("Поддержка 1 ч", minutes=60, next_response=120 * 60)
    implementation = policy("Внедрение 4 ч", minutes=240, calendar=claims.calendar)
    actions.set_group_policy(group=support, policy=support_1h)
    actions.set_group_policy(group=claims, policy=implementation)
    return {"support": support_1h, "implementation": implementation}


def clocks(ticket, at):
    ticket.refresh_from_db()
    return api_block(ticket, TicketSla.objects.select_related("policy").get(ticket=ticket),
                     now=at)


def sweep(at):
    with time_machine.travel(at, tick=False):
        return timers.sweep()


def test_it_starts_the_groups_clock_and_switches_it_on_reassignment(
        inbound, agent, support, claims, mobifitness):
    with time_machine.travel(MONDAY, tick=False):
        ticket = inbound("Не проходит оплата", thread="m1",
                         ticket_defaults={"group_id": support.pk}).ticket
    sla = clocks(ticket, MONDAY + timedelta(minutes=30))
    assert sla["policy"] == {"id": mobifitness["support"].pk, "name": "Поддержка 1 ч",
                             "source": "group"}
    assert sla["first_response"]["state"] == "running"
    assert sla["first_response"]["remaining_s"] == 1800
    assert sla["first_response"]["due_at"] == MONDAY + timedelta(hours=1)
    assert sla["next_response"] is None  # no target until the client writes after an answer
    with time_machine.travel(MONDAY + timedelta(minutes=30), tick=False):
        update_ticket(ticket=ticket, actor=Actor.of_agent(agent), group=claims)
    sla = clocks(ticket, MONDAY + timedelta(minutes=30))
    assert sla["policy"]["name"] == "Внедрение 4 ч"
    # Four office hours (9–18) from the original 10:00 start, not from the move.
    assert sla["first_response"]["due_at"] == datetime(2026, 12, 7, 14, 0, tzinfo=MSK)
    changed = Event.objects.get(kind="sla.changed", ticket_id=ticket.pk)
    assert changed.payload["new_policy_id"] == mobifitness["implementation"].pk


def test_it_warns_then_breaches_once_each_and_a_rule_acts_on_both(inbound, support,
                                                                   mobifitness):
    rule_actions.create_rule(values=rule_inputs.clean(
        name="Горит SLA", enabled=True, mode="event", events=["sla.warning", "sla.breached"],
        conditions={}, actions=[{"type": "add_note", "text": "SLA"}], stop=False))
    with time_machine.travel(MONDAY, tick=False):
        ticket = inbound("Срочно", thread="m2", ticket_defaults={"group_id": support.pk}).ticket
    for minutes in (40, 46, 50, 61, 70, 200):
        sweep(MONDAY + timedelta(minutes=minutes))
    kinds = list(Event.objects.filter(ticket_id=ticket.pk, kind__startswith="sla.")
                 .order_by("pk").values_list("kind", flat=True))
    assert kinds == ["sla.warning", "sla.breached"]
    warning = Event.objects.get(ticket_id=ticket.pk, kind="sla.warning")
    assert warning.payload["metric"] == "first_response"
    assert RuleFiring.objects.filter(ticket=ticket, outcome="done").count() == 2
    sla = clocks(ticket, MONDAY + timedelta(minutes=70))
    assert sla["first_response"]["state"] == "breached"
    assert sla["first_response"]["remaining_s"] == -600
    assert TicketSla.objects.get(ticket=ticket).breached
    assert list(SlaRecord.objects.filter(ticket=ticket).values_list("metric", "outcome")) == [
        ("first_response", "breached")]


def test_a_reply_in_time_meets_the_clock_and_nothing_fires(inbound, agent, support,
                                                          mobifitness):
    with time_machine.travel(MONDAY, tick=False):
        ticket = inbound("Вопрос", thread="m3", ticket_defaults={"group_id": support.pk}).ticket
    with time_machine.travel(MONDAY + timedelta(minutes=20), tick=False):
        reply(ticket=ticket, actor=Actor.of_agent(agent), text="Смотрим")
    for minutes in (50, 70, 300):
        sweep(MONDAY + timedelta(minutes=minutes))
    assert not Event.objects.filter(ticket_id=ticket.pk, kind__in=["sla.warning",
                                                                   "sla.breached"]).exists()
    sla = clocks(ticket, MONDAY + timedelta(hours=5))
    assert sla["first_response"]["state"] == "met"
    assert sla["first_response"]["met_at"] == MONDAY + timedelta(minutes=20)
    assert list(SlaRecord.objects.filter(ticket=ticket).values_list("metric", "outcome")) == [
        ("first_response", "met")]
    # The client writes again: the next response is due within two hours of that.
    with time_machine.travel(MONDAY + timedelta(hours=1), tick=False):
        inbound("А когда?", thread="m3")
    sla = clocks(ticket, MONDAY + timedelta(hours=1, minutes=30))
    assert sla["next_response"]["state"] == "running"
    assert sla["next_response"]["remaining_s"] == 90 * 60
    # Answered three hours later: the next response was late.
    with time_machine.travel(MONDAY + timedelta(hours=4), tick=False):
        reply(ticket=ticket, actor=Actor.of_agent(agent), text="Завтра")
    assert SlaRecord.objects.get(ticket=ticket, metric="next_response").outcome == "breached"


def test_pending_pauses_the_clock_and_automatic_replies_are_no_answer(inbound, agent, support,
                                                                     mobifitness):
    with time_machine.travel(MONDAY, tick=False):
        ticket = inbound("Вопрос", thread="m4", ticket_defaults={"group_id": support.pk}).ticket
        reply(ticket=ticket, actor=Actor.rule("Автоответ", rule_id=None), text="Получили",
              automatic=True)
    with time_machine.travel(MONDAY + timedelta(minutes=10), tick=False):
        update_ticket(ticket=ticket, actor=Actor.of_agent(agent), status=Status.ON_HOLD)
    sla = clocks(ticket, MONDAY + timedelta(hours=5))
    assert (sla["first_response"]["state"], sla["first_response"]["remaining_s"]) == (
        "paused", 50 * 60)
    sweep(MONDAY + timedelta(hours=5))
    assert not Event.objects.filter(kind="sla.breached").exists()
    with time_machine.travel(MONDAY + timedelta(hours=5), tick=False):
        update_ticket(ticket=ticket, actor=Actor.of_agent(agent), status=Status.OPEN)
    sla = clocks(ticket, MONDAY + timedelta(hours=5))
    assert sla["first_response"]["due_at"] == MONDAY + timedelta(hours=5, minutes=50)
    assert Message.objects.filter(ticket=ticket, kind=MessageKind.OUTBOUND).count() == 1


def test_the_api_shows_the_clocks(inbound, agent, support, mobifitness):
    from tests.api.conftest import Api

    with time_machine.travel(MONDAY, tick=False):
        ticket = inbound("Вопрос", thread="m5", ticket_defaults={"group_id": support.pk}).ticket
    with time_machine.travel(MONDAY + timedelta(minutes=10), tick=False):
        body = Api(agent).get(f"/tickets/{ticket.pk}").json()
        listed = Api(agent).get("/tickets").json()["items"]
    assert body["sla"]["first_response"]["remaining_s"] == 50 * 60
    assert body["sla"]["resolution"] is None  # the policy sets no resolution target
    assert listed[0]["sla"]["policy"]["source"] == "group"


def test_the_list_sorts_by_the_nearest_deadline_and_filters_the_overdue(inbound, agent, support,
                                                                       mobifitness):
    from tests.api.conftest import Api

    with time_machine.travel(MONDAY, tick=False):
        early = inbound("Раньше", thread="s1", email="a@example.ru",
                        ticket_defaults={"group_id": support.pk}).ticket
    with time_machine.travel(MONDAY + timedelta(minutes=30), tick=False):
        late = inbound("Позже", thread="s2", email="b@example.ru",
                       ticket_defaults={"group_id": support.pk}).ticket
        answered = inbound("Отвечено", thread="s3", email="c@example.ru",
                           ticket_defaults={"group_id": support.pk}).ticket
        reply(ticket=answered, actor=Actor.of_agent(agent), text="Готово")
    api = Api(agent)
    with time_machine.travel(MONDAY + timedelta(minutes=50), tick=False):
        first = api.get("/tickets", sort="sla_due", limit=1).json()
        second = api.get("/tickets", sort="sla_due", limit=1, cursor=first["next_cursor"]).json()
        third = api.get("/tickets", sort="sla_due", limit=1, cursor=second["next_cursor"]).json()
        warning = api.get("/tickets", sla_state="warning").json()["items"]
    assert [first["items"][0]["id"], second["items"][0]["id"], third["items"][0]["id"]] == [
        early.pk, late.pk, answered.pk]  # no running clock: last
    assert [t["id"] for t in warning] == [early.pk]
    sweep(MONDAY + timedelta(minutes=61))
    with time_machine.travel(MONDAY + timedelta(minutes=61), tick=False):
        overdue = api.get("/tickets", sla_state="breached").json()["items"]
    assert [t["id"] for t in overdue] == [early.pk]


def test_solving_records_the_resolution_and_reopening_runs_it_on(inbound, agent, support):
    p = policy("С решением", minutes=60, resolution=4 * 3600)
    actions.set_group_policy(group=support, policy=p)
    with time_machine.travel(MONDAY, tick=False):
        ticket = inbound("Вопрос", thread="r1", ticket_defaults={"group_id": support.pk}).ticket
    with time_machine.travel(MONDAY + timedelta(hours=1), tick=False):
        update_ticket(ticket=ticket, actor=Actor.of_agent(agent), status=Status.SOLVED)
    assert SlaRecord.objects.get(ticket=ticket, metric="resolution").outcome == "met"
    assert clocks(ticket, MONDAY + timedelta(hours=2))["resolution"]["state"] == "met"
    with time_machine.travel(MONDAY + timedelta(hours=2), tick=False):
        inbound("Не помогло", thread="r1")  # solved → open: resolution runs on
    sla = clocks(ticket, MONDAY + timedelta(hours=2, minutes=30))
    assert sla["resolution"]["state"] == "running"
    assert sla["resolution"]["remaining_s"] == 4 * 3600 - int(2.5 * 3600)


def test_tickets_from_before_the_first_policy_get_clocks_from_their_columns(inbound, agent,
                                                                           support):
    with time_machine.travel(MONDAY, tick=False):
        waiting = inbound("Ждёт", thread="b1", ticket_defaults={"group_id": support.pk}).ticket
        answered = inbound("Отвечено", thread="b2", email="x@example.ru",
                           ticket_defaults={"group_id": support.pk}).ticket
        reply(ticket=answered, actor=Actor.of_agent(agent), text="Готово")
    assert not TicketSla.objects.exists()  # no policy yet: nothing tracked
    p = policy("Поддержка", minutes=60)
    with time_machine.travel(MONDAY + timedelta(hours=2), tick=False):
        assert actions.start_existing() == 2
        assert actions.start_existing() == 0
    assert clocks(waiting, MONDAY + timedelta(hours=2))["first_response"]["state"] == "breached"
    assert clocks(answered, MONDAY + timedelta(hours=2))["first_response"]["state"] == "met"
    assert TicketSla.objects.get(ticket=waiting).policy == p


def test_a_note_counts_as_a_response_only_when_the_policy_says_so(inbound, agent, support):
    values = inputs.clean(name="Заметки считаются", calendar_id=None,
                          targets_value={"medium": {"first_response": 3600}},
                          warning_seconds=900, pause_on=[], notes_count=True)
    counting = actions.save_policy(policy=None, values=values)
    actions.set_group_policy(group=support, policy=counting)
    with time_machine.travel(MONDAY, tick=False):
        noted = inbound("Вопрос", thread="n1", ticket_defaults={"group_id": support.pk}).ticket
        reply(ticket=noted, actor=Actor.of_agent(agent), text="Уточняю у склада", kind="note")
    assert clocks(noted, MONDAY + timedelta(hours=2))["first_response"]["state"] == "met"
    counting.notes_count = False
    counting.save()
    with time_machine.travel(MONDAY, tick=False):
        other = inbound("Вопрос", thread="n2", email="o@example.ru",
                        ticket_defaults={"group_id": support.pk}).ticket
        reply(ticket=other, actor=Actor.of_agent(agent), text="Уточняю", kind="note")
    assert clocks(other, MONDAY + timedelta(hours=2))["first_response"]["state"] == "breached"
