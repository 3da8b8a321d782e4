"""Team and catalogue writes go through actions, whatever the screen — the settings pages or
the Django admin — so tickets touched by them keep their history, events and queue counts."""

from __future__ import annotations

from helpwire.accounts.models import Agent, ApiToken, Group, Role
from helpwire.core.models import Event
from helpwire.tickets import counters
from helpwire.tickets import tags as tag_tree
from helpwire.tickets.actions import assign, update_ticket
from helpwire.tickets.models import Change, Status, Tag
from tests.conftest import as_agent


def _admin_form(agent: Agent, **changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "email": agent.email, "name": agent.name, "role": agent.role,
        "groups": [str(g.pk) for g in agent.groups.all()], "language": agent.language or "",
        "time_zone": agent.time_zone or "", "password": "",
    }
    if agent.is_active:
        data["is_active"] = "on"
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_it_disables_an_agent_from_the_django_admin_like_the_settings_screen(
        browser_as, admin, agent, ticket):
    assign(ticket=ticket, assignee=agent, actor=as_agent(agent))
    ApiToken.issue(agent=agent)
    response = browser_as(admin).post(f"/admin/accounts/agent/{agent.pk}/change/",
                                      _admin_form(agent, is_active=None))
    assert response.status_code == 302, response.content.decode()[:2000]
    agent.refresh_from_db()
    ticket.refresh_from_db()
    assert not agent.is_active and ticket.assignee is None
    assert not ApiToken.objects.filter(agent=agent, revoked_at__isnull=True).exists()
    change = Change.objects.filter(ticket=ticket, field="assignee").last()
    assert (change.old, change.new) == (agent.name, "")
    assert Event.objects.filter(kind="agent.disabled", payload__agent_id=agent.pk).exists()
    assert counters.snapshot() == counters.recount()


def test_it_changes_role_and_groups_in_the_admin_through_the_action(browser_as, admin, agent,
                                                                    claims):
    response = browser_as(admin).post(f"/admin/accounts/agent/{agent.pk}/change/",
                                      _admin_form(agent, role=Role.SUPERVISOR,
                                                  groups=[str(claims.pk)]))
    assert response.status_code == 302
    agent.refresh_from_db()
    assert agent.role == Role.SUPERVISOR and list(agent.groups.all()) == [claims]
    event = Event.objects.get(kind="agent.changed", payload__agent_id=agent.pk)
    assert event.payload["changes"]["role"] == [Role.AGENT, Role.SUPERVISOR]
    assert event.actor_agent == admin


def test_it_takes_tickets_out_of_a_deleted_group_with_history(browser_as, admin, agent, ticket,
                                                              support):
    response = browser_as(admin).post(f"/admin/accounts/group/{support.pk}/delete/",
                                      {"post": "yes"})
    assert response.status_code == 302
    assert not Group.objects.filter(pk=support.pk).exists()
    ticket.refresh_from_db()
    assert ticket.group is None and ticket.status == Status.NEW
    change = Change.objects.get(ticket=ticket, field="group")
    assert (change.old, change.new, change.actor_agent) == ("Техподдержка", "", admin)
    assert counters.snapshot() == counters.recount()


def test_it_records_on_every_ticket_that_a_deleted_tag_is_gone(browser_as, admin, agent,
                                                              ticket, inbound):
    other = inbound("Ещё", thread="t-2").ticket
    for t in (ticket, other):
        update_ticket(ticket=t, add_tags=["Доставка › Сроки"], actor=as_agent(admin))
    tag = tag_tree.find("Доставка › Сроки")
    response = browser_as(admin).post(f"/settings/tags/{tag.pk}/delete/")
    assert response.status_code == 302
    assert not Tag.objects.filter(pk=tag.pk).exists()
    for t in (ticket, other):
        change = Change.objects.filter(ticket=t, field="tags").last()
        assert "Доставка › Сроки" in change.old and "Доставка › Сроки" not in change.new
    assert Event.objects.filter(kind="ticket.changed", ticket_id=other.pk,
                                payload__changes__has_key="tags").count() == 2


def test_it_edits_an_agent_on_the_settings_screen_through_the_action(browser_as, admin, agent,
                                                                     claims):
    response = browser_as(admin).post(f"/settings/agents/{agent.pk}/", {
        "name": "Иван Петрович", "role": Role.AGENT, "groups": [str(claims.pk)]})
    assert response.status_code == 302
    event = Event.objects.get(kind="agent.changed", payload__agent_id=agent.pk)
    assert set(event.payload["changes"]) == {"name", "groups"}


def test_it_counts_an_agents_open_tickets_as_those_still_in_work(browser_as, admin, agent,
                                                                 inbound, support):
    working = inbound("В работе", thread="w", ticket_defaults={"group_id": support.pk}).ticket
    solved = inbound("Решён", thread="s", ticket_defaults={"group_id": support.pk}).ticket
    for t in (working, solved):
        update_ticket(ticket=t, assignee=agent, actor=as_agent(admin))
    update_ticket(ticket=solved, status=Status.SOLVED, actor=as_agent(admin))
    b = browser_as(admin)
    listing = b.get("/settings/agents/").content.decode()
    row = listing[listing.index(agent.name):]
    assert '<td class="num-col">1</td>' in row[:600]
    warning = b.get(f"/settings/agents/{agent.pk}/").content.decode()
    assert "возвращает в очередь 1 открытый тикет" in " ".join(warning.split())
    b.post(f"/settings/agents/{agent.pk}/disable/")
    working.refresh_from_db()
    solved.refresh_from_db()
    assert working.assignee is None and solved.assignee == agent
