"""An edit sends only what the agent changed, with what he saw, and is refused only when one
of those fields changed meanwhile [data safety: the stale panel that reverted a status]."""

from __future__ import annotations

from helpwire.core.actors import Actor
from helpwire.tickets.actions import set_status
from helpwire.tickets.models import Change, Priority, Status
from tests.conftest import as_agent


def _panel(ticket, **changes: str) -> dict[str, str]:
    """The properties panel as it was rendered for ``ticket``, with the agent's changes."""
    seen = {"status": ticket.status, "priority": ticket.priority, "type": ticket.type,
            "assignee": str(ticket.assignee_id or ""), "group": str(ticket.group_id or "")}
    data = {**seen, **{f"expected_{k}": v for k, v in seen.items()}}
    data.update(changes)
    return data


def test_it_never_writes_back_a_status_the_agent_did_not_touch(browser_as, agent, ticket):
    set_status(ticket=ticket, status=Status.ON_HOLD, actor=as_agent(agent))
    ticket.refresh_from_db()
    stale = _panel(ticket, priority=Priority.LOW)  # rendered while the ticket was on hold
    set_status(ticket=ticket, status=Status.PENDING, actor=Actor.system("colleague"))
    response = browser_as(agent).post(f"/tickets/{ticket.pk}/update/", stale,
                                      HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    ticket.refresh_from_db()
    assert ticket.status == Status.PENDING and ticket.priority == Priority.LOW
    statuses = Change.objects.filter(ticket=ticket, field="status").values_list("new", flat=True)
    assert list(statuses) == ["on_hold", "pending"]  # nothing written back


def test_it_refuses_a_change_to_a_field_someone_else_changed_meanwhile(browser_as, agent,
                                                                     ticket):
    set_status(ticket=ticket, status=Status.OPEN, actor=as_agent(agent))
    ticket.refresh_from_db()
    stale = _panel(ticket, status=Status.SOLVED, priority=Priority.LOW)
    set_status(ticket=ticket, status=Status.PENDING, actor=Actor.system("colleague"))
    response = browser_as(agent).post(f"/tickets/{ticket.pk}/update/", stale,
                                      HTTP_HX_REQUEST="true")
    assert response.status_code == 409
    html = response.content.decode()
    assert 'role="alert"' in html and "обновите" in html  # the Russian UI says "reload"
    ticket.refresh_from_db()
    # Nothing of the refused edit was written, not even the untouched-by-others priority.
    assert ticket.status == Status.PENDING and ticket.priority == Priority.MEDIUM
    # The panel that comes back shows the ticket as it is now.
    assert 'name="expected_status" value="pending"' in html


def test_it_lets_a_client_message_pass_without_failing_a_panel_edit(browser_as, agent, ticket,
                                                                   inbound):
    set_status(ticket=ticket, status=Status.OPEN, actor=as_agent(agent))
    ticket.refresh_from_db()
    stale = _panel(ticket, priority=Priority.URGENT)
    inbound("Ещё одно сообщение", thread="t-1")  # the client keeps typing meanwhile
    response = browser_as(agent).post(f"/tickets/{ticket.pk}/update/", stale,
                                      HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    ticket.refresh_from_db()
    assert ticket.priority == Priority.URGENT
