"""One lock order everywhere — the ticket first, then what hangs off it — proven with real
concurrent transactions on PostgreSQL."""

from __future__ import annotations

import random
import threading
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from helpwire.core import timers
from helpwire.core.models import Timer
from helpwire.tickets import counters
from helpwire.tickets.actions import assign, set_reminder, set_status
from helpwire.tickets.models import Status, Ticket
from tests.conftest import as_agent
from tests.race import (
    Window,
    errors,
    lock_waiters,
    postgres_only,
    run_concurrently,
    start_concurrently,
    wait_until,
)

pytestmark = [postgres_only, pytest.mark.django_db(transaction=True)]


def test_it_never_deadlocks_a_timer_sweep_with_an_agent_editing_the_ticket(ticket, agent,
                                                                           caplog):
    set_reminder(ticket=ticket, at=timezone.now() + timedelta(hours=1), actor=as_agent(agent))
    later = timezone.now() + timedelta(hours=2)
    new_due = timezone.now() + timedelta(hours=5)
    locked, go, swept = threading.Event(), threading.Event(), threading.Event()

    def agent_edits():
        with transaction.atomic():
            # What every action does first: lock the ticket row.
            Ticket.objects.select_for_update().get(pk=ticket.pk)
            locked.set()
            assert go.wait(10)
            set_reminder(ticket=ticket, at=new_due, actor=as_agent(agent))

    def worker_sweeps():
        assert locked.wait(10)
        try:
            return timers.sweep(now=later)
        finally:
            swept.set()

    join = start_concurrently(agent_edits, worker_sweeps)
    # The sweep either steps aside at once or waits behind the agent's lock.
    assert wait_until(lambda: swept.is_set() or lock_waiters() >= 1)
    go.set()
    results = join(60)
    assert not errors(results), results
    # Neither side was chosen as a deadlock victim (the sweep logs and swallows its errors).
    assert "deadlock" not in caplog.text.lower()
    pending = Timer.objects.filter(ticket_id=ticket.pk, fired_at__isnull=True)
    assert [t.due_at for t in pending] == [new_due]
    ticket.refresh_from_db()
    assert ticket.status == Status.PENDING and ticket.remind_at == new_due


def _ticket_in(status: str, inbound, n: int, agent) -> Ticket:
    t = inbound(f"Обращение {n}", thread=f"lock-{n}", external_id=f"lock-{n}").ticket
    if status != Status.NEW:
        set_status(ticket=t, status=status, actor=as_agent(agent))
    return t


def test_it_never_deadlocks_two_transactions_that_move_tickets_across_queues(inbound, agent):
    a = _ticket_in(Status.OPEN, inbound, 1, agent)
    b = _ticket_in(Status.OPEN, inbound, 2, agent)
    c = _ticket_in(Status.ON_HOLD, inbound, 3, agent)
    d = _ticket_in(Status.SOLVED, inbound, 4, agent)
    window = Window(2)
    actor = as_agent(agent)

    def first():
        with transaction.atomic():
            set_status(ticket=a, status=Status.PENDING, actor=actor)  # open → pending
            window.arrive()
            set_status(ticket=c, status=Status.SOLVED, actor=actor)  # on hold → solved

    def second():
        with transaction.atomic():
            set_status(ticket=d, status=Status.ON_HOLD, actor=actor)  # solved → on hold
            window.arrive()
            set_status(ticket=b, status=Status.PENDING, actor=actor)  # open → pending

    results = run_concurrently(first, second)
    assert not errors(results), results
    assert counters.recount() == counters.snapshot()


def test_it_keeps_queue_counts_exact_through_a_concurrent_run(inbound, agent, other_agent,
                                                              support):
    tickets = [inbound(f"Вопрос {n}", thread=f"run-{n}", external_id=f"run-{n}").ticket
               for n in range(12)]
    agents = [agent, other_agent, None]
    statuses = [Status.OPEN, Status.PENDING, Status.ON_HOLD, Status.SOLVED]

    def worker(seed: int):
        def run():
            rnd = random.Random(seed)
            for step in range(20):
                t = rnd.choice(tickets)
                if rnd.random() < 0.5:
                    set_status(ticket=t, status=rnd.choice(statuses), actor=as_agent(agent))
                else:
                    assign(ticket=t, assignee=rnd.choice(agents), actor=as_agent(agent))
                if step % 5 == 0:
                    counters.roll_up()
        return run

    results = run_concurrently(*(worker(seed) for seed in range(4)))
    assert not errors(results), results
    counters.roll_up()
    assert counters.recount() == counters.snapshot()
