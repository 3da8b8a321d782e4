"""One input layer for the ticket page and the API: the same values mean the same thing
and the same mistakes are the same errors [TK1, CH9, CH10]."""

from __future__ import annotations

from helpwire.connectors.models import Channel, ChannelKind
from helpwire.tickets.actions import assign
from helpwire.tickets.models import Message, Status, Ticket
from tests.conftest import as_agent


def _props(ticket: Ticket, **overrides: str) -> dict[str, str]:
    """What the properties panel posts: every field, as the agent saw it."""
    data = {"status": ticket.status if ticket.status != Status.NEW else "open",
            "priority": ticket.priority, "type": ticket.type,
            "assignee": str(ticket.assignee_id or ""), "group": str(ticket.group_id or "")}
    data.update(overrides)
    return data


def test_it_lets_a_contractor_save_a_status_from_the_panel(browser_as, contractor, agent,
                                                           ticket):
    assign(ticket=ticket, assignee=contractor, actor=as_agent(agent))
    ticket.refresh_from_db()
    response = browser_as(contractor).post(f"/tickets/{ticket.pk}/update/",
                                           _props(ticket, status="pending"))
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Status.PENDING and ticket.assignee == contractor


def test_it_refuses_a_contractor_giving_the_ticket_away(browser_as, contractor, agent, ticket):
    assign(ticket=ticket, assignee=contractor, actor=as_agent(agent))
    ticket.refresh_from_db()
    response = browser_as(contractor).post(f"/tickets/{ticket.pk}/update/",
                                           _props(ticket, assignee=str(agent.pk)),
                                           HTTP_HX_REQUEST="true")
    assert response.status_code == 400
    ticket.refresh_from_db()
    assert ticket.assignee == contractor


def test_it_refuses_an_unknown_assignee_instead_of_unassigning(browser_as, agent, ticket):
    assign(ticket=ticket, assignee=agent, actor=as_agent(agent))
    ticket.refresh_from_db()
    response = browser_as(agent).post(f"/tickets/{ticket.pk}/update/",
                                      _props(ticket, assignee="987654"),
                                      HTTP_HX_REQUEST="true")
    assert response.status_code == 400
    assert "987654" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.assignee == agent


def test_it_refuses_a_reply_through_a_channel_closed_to_the_agents_groups(
        browser_as, agent, claims, ticket, inbound):
    closed = Channel.objects.create(kind=ChannelKind.MANUAL, name="Претензии: звонки")
    closed.groups.set([claims])
    inbound("Звоню по поводу посылки", channel=closed, thread="call-1")  # same client
    response = browser_as(agent).post(f"/tickets/{ticket.pk}/reply/",
                                      {"body": "Ответ", "channel": str(closed.pk)},
                                      HTTP_HX_REQUEST="true")
    assert response.status_code == 400
    assert not Message.objects.filter(ticket=ticket, kind="outbound").exists()


def test_it_refuses_a_reply_through_a_channel_the_client_never_used(browser_as, agent, ticket):
    other = Channel.objects.create(kind=ChannelKind.MANUAL, name="Другой канал")
    response = browser_as(agent).post(f"/tickets/{ticket.pk}/reply/",
                                      {"body": "Ответ", "channel": str(other.pk)},
                                      HTTP_HX_REQUEST="true")
    assert response.status_code == 400
    assert not Message.objects.filter(ticket=ticket, kind="outbound").exists()
