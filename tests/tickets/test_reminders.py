"""Reminders [TK2]: pending until the date, then open again, once, with a notification."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from helpwire.accounts.models import Notification
from helpwire.core import timers
from helpwire.core.models import Event, Timer
from helpwire.tickets.actions import assign, set_reminder, set_status
from helpwire.tickets.models import Change, Status, Ticket
from tests.conftest import as_agent


def test_it_puts_the_ticket_on_pending_until_the_reminder(ticket, agent):
    at = timezone.now() + timedelta(days=14)
    set_reminder(ticket=ticket, at=at, actor=as_agent(agent))
    ticket.refresh_from_db()
    assert ticket.status == Status.PENDING
    assert ticket.remind_at == at
    assert Timer.objects.get(ticket_id=ticket.pk).due_at == at


def test_it_refuses_a_reminder_in_the_past(ticket, agent):
    with pytest.raises(ValidationError):
        set_reminder(ticket=ticket, at=timezone.now() - timedelta(minutes=1),
                     actor=as_agent(agent))


def test_it_reopens_the_ticket_and_notifies_the_assignee_when_due(ticket, agent):
    assign(ticket=ticket, assignee=agent, actor=as_agent(agent))
    set_reminder(ticket=ticket, at=timezone.now() + timedelta(hours=1), actor=as_agent(agent))
    assert timers.sweep() == 0  # not yet
    assert timers.sweep(now=timezone.now() + timedelta(hours=2)) == 1
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN and ticket.remind_at is None
    change = Change.objects.filter(ticket=ticket, field="status").last()
    assert (change.old, change.new, change.actor_kind, change.actor_name) == (
        "pending", "open", "system", "reminder")
    assert Event.objects.filter(kind="ticket.reminder_fired", ticket_id=ticket.pk).count() == 1
    assert Notification.objects.get(agent=agent, kind="reminder").ticket == ticket


def test_it_fires_each_reminder_once(ticket, agent):
    set_reminder(ticket=ticket, at=timezone.now() + timedelta(hours=1), actor=as_agent(agent))
    later = timezone.now() + timedelta(hours=2)
    assert timers.sweep(now=later) == 1
    assert timers.sweep(now=later) == 0
    assert Event.objects.filter(kind="ticket.reminder_fired").count() == 1


def test_it_replaces_an_earlier_reminder(ticket, agent):
    set_reminder(ticket=ticket, at=timezone.now() + timedelta(hours=1), actor=as_agent(agent))
    set_reminder(ticket=ticket, at=timezone.now() + timedelta(hours=5), actor=as_agent(agent))
    assert timers.sweep(now=timezone.now() + timedelta(hours=2)) == 0
    assert timers.sweep(now=timezone.now() + timedelta(hours=6)) == 1


def test_it_drops_the_reminder_when_the_client_answers(ticket, agent, inbound):
    set_reminder(ticket=ticket, at=timezone.now() + timedelta(hours=1), actor=as_agent(agent))
    inbound("Вот данные", thread="t-1")
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN and ticket.remind_at is None
    assert timers.sweep(now=timezone.now() + timedelta(hours=2)) == 0


def test_it_drops_the_reminder_when_the_ticket_is_closed(ticket, agent):
    set_reminder(ticket=ticket, at=timezone.now() + timedelta(hours=1), actor=as_agent(agent))
    set_status(ticket=ticket, status=Status.CLOSED, actor=as_agent(agent))
    assert not Timer.objects.filter(ticket_id=ticket.pk, fired_at__isnull=True).exists()
    assert timers.sweep(now=timezone.now() + timedelta(hours=2)) == 0
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED
    assert not Event.objects.filter(kind="ticket.reminder_fired").exists()


def test_it_clears_the_reminder_when_the_agent_changes_status(ticket, agent):
    set_reminder(ticket=ticket, at=timezone.now() + timedelta(hours=1), actor=as_agent(agent))
    set_status(ticket=ticket, status=Status.ON_HOLD, actor=as_agent(agent))
    ticket.refresh_from_db()
    assert ticket.remind_at is None
    assert not Timer.objects.filter(fired_at__isnull=True).exists()


@pytest.mark.django_db(transaction=True)
def test_it_fires_a_reminder_once_with_two_workers_sweeping(ticket, agent):
    """Two schedulers race for the same due timers; each timer fires exactly once."""
    tickets = [ticket]
    for n in range(5):
        t = Ticket.objects.create(number=90000 + n, client=ticket.client, channel=ticket.channel)
        tickets.append(t)
    for t in tickets:
        set_reminder(ticket=t, at=timezone.now() + timedelta(minutes=5), actor=as_agent(agent))
    later = timezone.now() + timedelta(minutes=10)
    barrier = threading.Barrier(2)
    fired: list[int] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            barrier.wait()
            fired.append(timers.sweep(now=later))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(30)
    assert not errors
    assert sum(fired) == len(tickets)
    assert Event.objects.filter(kind="ticket.reminder_fired").count() == len(tickets)
    reloaded = Ticket.objects.filter(pk__in=[x.pk for x in tickets])
    assert all(t.status == Status.OPEN for t in reloaded)
