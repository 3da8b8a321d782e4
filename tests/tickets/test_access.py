"""One permission function decides who sees and touches a ticket [TM1, CH10]."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from helpwire.accounts.actions import disable_agent
from helpwire.accounts.permissions import can
from helpwire.tickets.access import visible_tickets
from helpwire.tickets.actions import assign, update_ticket
from helpwire.tickets.models import Ticket
from tests.conftest import as_agent


def test_it_shows_an_agent_the_tickets_of_his_groups(ticket, agent, other_agent):
    assert list(visible_tickets(agent)) == [ticket]
    assert list(visible_tickets(other_agent)) == []
    assert can(agent, "ticket.view", ticket)
    assert not can(other_agent, "ticket.view", ticket)


def test_it_shows_tickets_without_a_group_to_every_agent(inbound, agent, other_agent):
    t = inbound("Без группы").ticket
    assert t in visible_tickets(agent) and t in visible_tickets(other_agent)


def test_it_hides_a_channel_limited_to_other_groups(inbound, agent, other_agent, claims,
                                                   manual_channel):
    manual_channel.groups.set([claims])
    t = inbound("Претензия", channel=manual_channel).ticket
    assert t in visible_tickets(other_agent)
    assert t not in visible_tickets(agent)


def test_it_shows_admins_and_supervisors_everything(ticket, admin, supervisor):
    assert ticket in visible_tickets(admin) and ticket in visible_tickets(supervisor)


def test_it_shows_a_contractor_only_his_tickets(ticket, inbound, contractor, admin):
    inbound("Чужой")
    assert list(visible_tickets(contractor)) == []
    assign(ticket=ticket, assignee=contractor, actor=as_agent(admin))
    assert list(visible_tickets(contractor)) == [ticket]


def test_it_shows_a_contractor_tickets_he_is_mentioned_in(ticket, contractor):
    ticket.mentioned.add(contractor)
    assert list(visible_tickets(contractor)) == [ticket]


def test_it_refuses_a_contractor_settings_and_client_merges(contractor):
    assert not can(contractor, "client.merge")
    assert not can(contractor, "settings.manage")
    assert not can(contractor, "ticket.create")


def test_it_refuses_an_edit_by_an_agent_who_cannot_see_the_ticket(ticket, other_agent):
    with pytest.raises(PermissionDenied):
        update_ticket(ticket=ticket, actor=as_agent(other_agent), priority="urgent")
    assert Ticket.objects.get(pk=ticket.pk).priority == "medium"


def test_it_locks_out_a_disabled_agent_and_frees_his_tickets(ticket, agent):
    assign(ticket=ticket, assignee=agent, actor=as_agent(agent))
    disable_agent(agent=agent)
    agent.refresh_from_db()
    assert not can(agent, "ticket.view", ticket)
    assert Ticket.objects.get(pk=ticket.pk).assignee is None
