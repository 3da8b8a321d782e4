"""The rule screens [AU1] as a support lead uses them: the Mobifitness payroll rule built
from plain words, tried on a ticket without changing it, reordered, switched off, and a
stale save refused."""

from __future__ import annotations

import pytest
from django.urls import reverse

from helpwire.automation.models import Rule, RuleFiring
from helpwire.tickets.models import Change


@pytest.fixture
def browser_as(english_browser_as):
    return english_browser_as


def payroll(agent, support) -> dict:
    return {"name": "Зарплата → Иван", "enabled": "on", "events": ["ticket.created"],
            "all_0_field": "text", "all_0_op": "word_forms", "all_0_value": "зарплата, оклад",
            "all_1_field": "group", "all_1_op": "is_not", "all_1_value": "Претензии",
            "action_0_type": "assign_agent", "action_0_value": agent.name,
            "action_1_type": "add_tags", "action_1_value": "Оплата › Зарплата",
            "action_2_type": "set_priority", "action_2_value": "urgent",
            "daily_cap": "20", "version": ""}


def test_it_builds_the_payroll_rule_from_plain_words_and_routes_by_it(
        browser_as, admin, agent, support, claims, inbound):
    b = browser_as(admin)
    r = b.post(reverse("workspace:settings_rule_new"), payroll(agent, support))
    assert r.status_code == 302, r.content.decode()[:3000]
    rule = Rule.objects.get(name="Зарплата → Иван")
    assert rule.conditions["all"] == [
        {"field": "text", "op": "word_forms", "value": ["зарплата", "оклад"]},
        {"field": "group", "op": "is_not", "value": claims.pk}]
    assert rule.actions[0] == {"type": "assign", "agent_id": agent.pk}
    ticket = inbound("Не пришла зарплата").ticket
    ticket.refresh_from_db()
    assert ticket.assignee == agent and ticket.priority == "urgent"
    page = b.get(r["Location"]).content.decode()
    assert 'value="зарплата, оклад"' in page and 'value="Претензии"' in page
    assert f"#{ticket.number}" in page  # the firing log


def test_it_names_the_row_with_an_unknown_agent(browser_as, admin, agent, support):
    r = browser_as(admin).post(reverse("workspace:settings_rule_new"),
                               {**payroll(agent, support), "action_0_value": "Никто"})
    assert r.status_code == 400
    assert "Nothing named “Никто”" in r.content.decode()
    assert not Rule.objects.filter(name="Зарплата → Иван").exists()


def test_it_tries_the_rule_on_a_ticket_and_changes_nothing(browser_as, admin, agent, claims,
                                                            support, inbound):
    b = browser_as(admin)
    ticket = inbound("Вопрос по зарплате").ticket
    b.post(reverse("workspace:settings_rule_new"), {**payroll(agent, support), "enabled": ""})
    rule = Rule.objects.get(name="Зарплата → Иван")
    changes = Change.objects.count()
    page = b.get(reverse("workspace:settings_rule_edit", args=[rule.pk]),
                 {"number": ticket.number}).content.decode()
    assert f"Matches ticket #{ticket.number}" in page
    assert f"assign to the agent {agent.name}" in page
    assert Change.objects.count() == changes and not RuleFiring.objects.exists()


def test_it_moves_switches_off_and_refuses_a_stale_save(browser_as, admin, agent, support,
                                                        claims):
    b = browser_as(admin)
    for name in ("Первое", "Второе"):
        b.post(reverse("workspace:settings_rule_new"), {**payroll(agent, support), "name": name})
    first, second = Rule.objects.filter(name__in=["Первое", "Второе"]).order_by("position")
    b.post(reverse("workspace:settings_rule_move", args=[second.pk]), {"to": 0})
    assert Rule.objects.order_by("position").values_list("name", flat=True).first() == "Второе"
    b.post(reverse("workspace:settings_rule_toggle", args=[first.pk]))
    first.refresh_from_db()
    assert first.enabled is False
    stale = {**payroll(agent, support), "name": "Переименовано", "version": "2000-01-01"}
    r = b.post(reverse("workspace:settings_rule_edit", args=[first.pk]), stale)
    assert r.status_code == 400 and "Someone changed this rule" in r.content.decode()
    first.refresh_from_db()
    assert first.name == "Первое"


def test_it_keeps_every_condition_of_a_rule_made_through_the_api(browser_as, admin, agent,
                                                                  support):
    from helpwire.automation import actions, rule_inputs

    many = [{"field": "text", "op": "contains", "value": f"слово{i}"} for i in range(8)]
    rule = actions.create_rule(values=rule_inputs.clean(
        name="Много", enabled=True, mode="event", events=["ticket.created"],
        conditions={"all": [], "any": many}, actions=[{"type": "spam"}], stop=False))
    b = browser_as(admin)
    page = b.get(reverse("workspace:settings_rule_edit", args=[rule.pk])).content.decode()
    assert "слово7" in page


def test_it_lets_an_agent_say_he_is_away(browser_as, agent):
    b = browser_as(agent)
    b.post(reverse("workspace:preferences"), {"language": "en", "time_zone": "Europe/Moscow",
                                              "is_away": "on"})
    agent.refresh_from_db()
    assert agent.is_away is True
