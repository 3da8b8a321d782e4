"""Queue counts are kept incrementally and always agree with a recount."""

from __future__ import annotations

from django.db.models import Count

from helpwire.tickets import counters
from helpwire.tickets.actions import assign, set_status, update_ticket
from helpwire.tickets.merge import merge_tickets
from helpwire.tickets.models import QueueCounter, Ticket
from tests.conftest import as_agent


def _cells() -> dict[tuple, int]:
    return {(c.status, c.group_key, c.assignee_key, c.channel_id): c.count
            for c in QueueCounter.objects.exclude(count=0)}


def _recount() -> dict[tuple, int]:
    rows = Ticket.objects.values("status", "group_id", "assignee_id", "channel_id").annotate(
        n=Count("pk")).order_by()
    return {(r["status"], r["group_id"] or 0, r["assignee_id"] or 0, r["channel_id"]): r["n"]
            for r in rows}


def test_it_keeps_counts_in_step_with_every_change(inbound, agent, support, claims):
    a = inbound("a", thread="a").ticket
    b = inbound("b", thread="b").ticket
    c = inbound("c", thread="c").ticket
    assert _cells() == _recount()
    assign(ticket=a, assignee=agent, actor=as_agent(agent))
    update_ticket(ticket=b, actor=as_agent(agent), group=support, status="pending")
    set_status(ticket=c, status="spam", actor=as_agent(agent))
    merge_tickets(source=b, target=a, actor=as_agent(agent))
    inbound("again", thread="a")
    assert _cells() == _recount()
    counters.rebuild()
    assert _cells() == _recount()


def test_it_keeps_counts_when_an_agent_is_disabled(inbound, agent):
    from helpwire.accounts.actions import disable_agent

    t = inbound("x", thread="d").ticket
    assign(ticket=t, assignee=agent, actor=as_agent(agent))
    disable_agent(agent=agent)
    assert _cells() == _recount()
    assert Ticket.objects.get(pk=t.pk).history.filter(field="assignee", new="").exists()
