"""Lists sort by what people sort by — updated, created, priority, waiting — with cursors
that carry the order; "waiting since" is the client's oldest unanswered message [#8 item 9]."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from helpwire.conversations import reply
from helpwire.tickets import selectors
from helpwire.tickets.actions import set_status, update_ticket
from helpwire.tickets.models import Priority, Status, Ticket
from tests.conftest import as_agent


def test_it_knows_since_when_the_client_waits(inbound, agent, ticket):
    ticket.refresh_from_db()
    assert ticket.waiting_since == ticket.created_at
    reply(ticket=ticket, actor=as_agent(agent), text="Отвечаем")
    ticket.refresh_from_db()
    assert ticket.waiting_since is None
    first = inbound("Не помогло", thread="t-1").message
    inbound("И ещё вопрос", thread="t-1")
    ticket.refresh_from_db()
    assert ticket.waiting_since == first.created_at  # the oldest unanswered one
    set_status(ticket=ticket, status=Status.SOLVED, actor=as_agent(agent))
    ticket.refresh_from_db()
    assert ticket.waiting_since is None


@pytest.fixture
def mixed(inbound, support, agent):
    base = timezone.now() - timedelta(days=2)
    made = []
    for n, prio in enumerate([Priority.LOW, Priority.EXTREME, Priority.MEDIUM, Priority.URGENT,
                              Priority.MEDIUM]):
        t = inbound(f"Вопрос {n}", thread=f"x{n}", external_id=f"x{n}",
                    received_at=base + timedelta(hours=n),
                    ticket_defaults={"group_id": support.pk, "priority": prio}).ticket
        made.append(t)
    reply(ticket=made[2], actor=as_agent(agent), text="Ответ")  # no longer waiting
    return made


def _walk(admin, sort: str) -> list[int]:
    seen, cursor = [], None
    while True:
        page = selectors.ticket_page(viewer=admin, sort=sort, cursor=cursor, limit=2)
        seen += [t.pk for t in page.items]
        if not page.next_cursor:
            return seen
        cursor = page.next_cursor


def test_it_pages_every_order_through_each_ticket_once(mixed, admin):
    rank = {Priority.LOW: 1, Priority.MEDIUM: 2, Priority.URGENT: 3, Priority.EXTREME: 4}
    tickets = {t.pk: Ticket.objects.get(pk=t.pk) for t in mixed}
    by_prio = sorted(tickets.values(), key=lambda t: (-rank[t.priority], -t.pk))
    assert _walk(admin, "-priority") == [t.pk for t in by_prio]
    assert _walk(admin, "priority") == [t.pk for t in reversed(by_prio)]
    assert _walk(admin, "created") == [t.pk for t in mixed]
    waiting = sorted((t for t in tickets.values() if t.waiting_since),
                     key=lambda t: (t.waiting_since, t.pk))
    assert _walk(admin, "waiting") == [t.pk for t in waiting] + [mixed[2].pk]  # answered last
    assert _walk(admin, "-updated") == [t.pk for t in sorted(
        tickets.values(), key=lambda t: (t.updated_at, t.pk), reverse=True)]


def test_it_refuses_a_cursor_of_another_order(mixed, admin):
    page = selectors.ticket_page(viewer=admin, sort="priority", limit=2)
    with pytest.raises(Exception) as caught:
        selectors.ticket_page(viewer=admin, sort="created", cursor=page.next_cursor)
    assert getattr(caught.value, "code", "") == "invalid_cursor"


def test_it_sorts_the_api_list(api_as, admin, mixed):
    api = api_as(admin)
    items = api.get("/tickets", sort="-priority", limit=5).json()["items"]
    assert [t["priority"] for t in items][:2] == ["extreme", "urgent"]
    assert api.get("/tickets", sort="sideways").status_code == 422


def test_it_lets_an_agent_take_an_unassigned_ticket_and_says_who_was_faster(
        browser_as, agent, other_agent, support, ticket):
    b = browser_as(agent)
    html = b.get("/queues/unassigned/").content.decode()
    assert f"/tickets/{ticket.pk}/take/" in html
    assert "взял" not in b.post(f"/tickets/{ticket.pk}/take/").content.decode()
    ticket.refresh_from_db()
    assert ticket.assignee == agent
    update_ticket(ticket=ticket, assignee=None, actor=as_agent(agent))
    update_ticket(ticket=ticket, assignee=agent, actor=as_agent(agent))
    other_agent.groups.add(support)
    late = browser_as(other_agent).post(f"/tickets/{ticket.pk}/take/").content.decode()
    assert agent.name in late and 'role="alert"' in late
    ticket.refresh_from_db()
    assert ticket.assignee == agent
