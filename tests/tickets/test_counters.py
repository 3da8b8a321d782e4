"""Queue counts are kept incrementally and always agree with a recount."""

from __future__ import annotations

from helpwire.accounts.actions import disable_agent
from helpwire.tickets import counters
from helpwire.tickets.actions import assign, set_status, update_ticket
from helpwire.tickets.merge import merge_tickets
from helpwire.tickets.models import QueueCounter, QueueCounterDelta, Ticket
from tests.conftest import as_agent


def test_it_keeps_counts_in_step_with_every_change(inbound, agent, support, claims):
    a = inbound("a", thread="a").ticket
    b = inbound("b", thread="b").ticket
    c = inbound("c", thread="c").ticket
    assert counters.snapshot() == counters.recount() == {("new", 0, 0, a.channel_id): 3}
    assign(ticket=a, assignee=agent, actor=as_agent(agent))
    update_ticket(ticket=b, actor=as_agent(agent), group=support, status="pending")
    set_status(ticket=c, status="spam", actor=as_agent(agent))
    merge_tickets(source=b, target=a, actor=as_agent(agent))
    inbound("again", thread="a")
    assert counters.snapshot() == counters.recount()
    counters.rebuild()
    assert counters.snapshot() == counters.recount()


def test_it_folds_pending_deltas_into_the_counters_without_changing_a_count(inbound, agent):
    a = inbound("a", thread="a").ticket
    inbound("b", thread="b")
    set_status(ticket=a, status="pending", actor=as_agent(agent))
    before = counters.snapshot()
    assert QueueCounterDelta.objects.count() == 4  # +1, +1, then -1 new / +1 pending
    assert counters.roll_up() == 4
    assert QueueCounterDelta.objects.count() == 0
    assert counters.snapshot() == before == counters.recount()
    # A cell that went to zero is kept at zero, never negative, and not shown.
    assert not QueueCounter.objects.filter(count__lt=0).exists()
    assert ("pending", 0, 0, a.channel_id) in before


def test_it_keeps_counts_when_an_agent_is_disabled(inbound, agent):
    t = inbound("x", thread="d").ticket
    assign(ticket=t, assignee=agent, actor=as_agent(agent))
    disable_agent(agent=agent)
    assert counters.snapshot() == counters.recount()
    change = Ticket.objects.get(pk=t.pk).history.filter(field="assignee").last()
    assert (change.old, change.new, change.actor_name) == (agent.name, "", "agent disabled")
