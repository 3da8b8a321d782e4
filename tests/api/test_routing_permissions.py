"""Who may route a ticket and grow the tag tree; what contractors see of the team
[#9 item 5]."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from helpwire.tickets import tags
from helpwire.tickets.actions import assign, update_ticket
from helpwire.tickets.models import Tag
from tests.conftest import as_agent


def test_it_keeps_a_contractor_from_moving_his_ticket_to_another_group(agent, contractor,
                                                                      ticket, claims):
    assign(ticket=ticket, assignee=contractor, actor=as_agent(agent))
    with pytest.raises(PermissionDenied):
        update_ticket(ticket=ticket, group=claims, actor=as_agent(contractor))
    ticket.refresh_from_db()
    assert ticket.group.name == "Техподдержка"


def test_it_grows_the_tag_tree_only_for_those_allowed(agent, supervisor, ticket):
    tags.ensure("Доставка")
    update_ticket(ticket=ticket, add_tags=["Доставка"], actor=as_agent(agent))  # existing: ok
    with pytest.raises(ValidationError) as caught:
        update_ticket(ticket=ticket, add_tags=["Совсем новый тег"], actor=as_agent(agent))
    assert caught.value.code == "unknown_tag"
    assert not Tag.objects.filter(name="Совсем новый тег").exists()
    update_ticket(ticket=ticket, add_tags=["Совсем новый тег"], actor=as_agent(supervisor))
    assert Tag.objects.filter(name="Совсем новый тег").exists()


def test_it_refuses_an_unknown_tag_through_the_api_and_bulk(api, browser_as, agent, ticket):
    response = api.patch(f"/tickets/{ticket.pk}", {"add_tags": ["Новый"]})
    assert response.status_code == 400 and response.json()["error"]["code"] == "unknown_tag"
    refused = browser_as(agent).post("/bulk/", {"ids": ticket.pk, "action": "tag",
                                                "value_tag": "Новый"}).content.decode()
    assert 'role="alert"' in refused
    assert not Tag.objects.filter(name="Новый").exists()


def test_it_shows_contractors_only_the_names_of_the_team(api_as, contractor, agent):
    rows = api_as(contractor).get("/agents").json()
    assert {r["name"] for r in rows} >= {agent.name}
    assert all(r["email"] is None and r["role"] is None and r["group_ids"] == [] for r in rows)
    full = api_as(agent).get("/agents").json()
    assert any(r["email"] == agent.email for r in full)
