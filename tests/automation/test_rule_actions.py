"""Each rule action [AU1 CL5], done by a rule on a new ticket from the intake path."""

from __future__ import annotations

from helpwire.accounts.models import Notification
from helpwire.automation.models import Rule
from helpwire.clients.actions import update_client
from helpwire.tickets.models import Status
from tests.automation.test_rules import rule
from tests.conftest import _agent, as_agent


def test_it_assigns_the_clients_own_agent(inbound, agent, admin):
    first = inbound(email="vip@example.ru").ticket
    update_client(client=first.client, actor=as_agent(admin), responsible=agent)
    rule(events=["message.received"], actions=[{"type": "assign", "responsible": True}])
    later = inbound("Снова я", email="vip@example.ru", thread="v").ticket
    second = inbound("И ещё", email="vip@example.ru", thread="v").ticket
    assert later.pk == second.pk
    second.refresh_from_db()
    assert second.assignee == agent


def test_it_takes_turns_in_round_robin_and_skips_an_agent_who_is_away(inbound, support):
    a, b, c = (_agent("agent", name, support) for name in ("Аня", "Борис", "Вера"))
    c.is_away = True
    c.save()
    rule(actions=[{"type": "assign", "group_id": support.pk, "strategy": "round_robin"}])
    picks = []
    for i in range(4):
        ticket = inbound(email=f"c{i}@example.ru").ticket
        ticket.refresh_from_db()
        picks.append(ticket.assignee)
    assert picks == [a, b, a, b]


def test_it_gives_the_ticket_to_the_least_loaded_agent(inbound, support):
    busy, free = _agent("agent", "Занятой", support), _agent("agent", "Свободная", support)
    rule(name="Первому", actions=[{"type": "assign", "agent_id": busy.pk}])
    inbound(email="x1@example.ru")
    inbound(email="x2@example.ru")
    Rule.objects.all().delete()
    rule(actions=[{"type": "assign", "group_id": support.pk, "strategy": "least_loaded"}])
    ticket = inbound(email="x3@example.ru").ticket
    ticket.refresh_from_db()
    assert ticket.assignee == free and ticket.group == support


def test_it_sets_type_status_and_drops_a_tag(inbound):
    rule(actions=[{"type": "add_tags", "tags": ["авария", "оплата"]},
                  {"type": "remove_tags", "tags": ["авария"]},
                  {"type": "set_type", "value": "incident"},
                  {"type": "set_status", "value": "on_hold"}])
    ticket = inbound().ticket
    ticket.refresh_from_db()
    assert (ticket.type, ticket.status) == ("incident", Status.ON_HOLD)
    assert [t.name for t in ticket.tags.all()] == ["оплата"]


def test_it_marks_service_mail_as_spam(inbound):
    rule(conditions={"all": [{"field": "sender", "op": "is", "value": "robokassa.ru"}]},
         actions=[{"type": "spam"}])
    assert inbound(email="noreply@robokassa.ru").ticket.status == Status.SPAM
    assert inbound(email="client@example.ru").ticket.status == Status.NEW


def test_it_notifies_the_assignee_and_listed_agents(inbound, agent, admin):
    rule(actions=[{"type": "assign", "agent_id": agent.pk},
                  {"type": "notify", "assignee": True, "agent_ids": [admin.pk],
                   "text": "Новая претензия"}])
    ticket = inbound().ticket
    got = sorted(Notification.objects.filter(ticket=ticket, kind="rule")
                 .values_list("agent_id", "text"))
    assert got == sorted([(agent.pk, "Новая претензия"), (admin.pk, "Новая претензия")])
