"""What a ticket refuses, and who may not touch it: every refusal leaves the ticket, its
conversation and its history exactly as they were."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from helpwire.clients.models import Client
from helpwire.connectors.models import Channel, ChannelKind
from helpwire.connectors.types import InboundMessage, Sender
from helpwire.conversations import ingest, reply
from helpwire.core.models import Event, Timer
from helpwire.tickets.actions import assign, clear_reminder, set_reminder, set_status, update_ticket
from helpwire.tickets.merge import merge_tickets
from helpwire.tickets.models import Change, Message, MessageKind, Status, Ticket
from tests.conftest import as_agent


def in_group(ticket: Ticket, group) -> Ticket:
    ticket.group = group
    ticket.save(update_fields=["group"])
    return ticket


def snapshot(*tickets: Ticket) -> dict[int, tuple]:
    """What a person would see of each ticket: status, link, messages, history."""
    out = {}
    for t in tickets:
        fresh = Ticket.objects.get(pk=t.pk)
        out[t.pk] = (
            fresh.status, fresh.merged_into_id, fresh.remind_at,
            sorted(Message.objects.filter(ticket=fresh).values_list("pk", flat=True)),
            Change.objects.filter(ticket=fresh).count(),
        )
    return out


@pytest.fixture
def three(inbound, support):
    """Three tickets of the support group, each with its own conversation."""
    return [in_group(inbound(f"Вопрос {n}", thread=f"q-{n}").ticket, support) for n in (1, 2, 3)]


# --- merge_tickets ----------------------------------------------------------------------------


def test_it_refuses_to_merge_a_ticket_into_itself(three, agent):
    a = three[0]
    before = snapshot(a)
    with pytest.raises(ValidationError) as exc:
        merge_tickets(target=a, source=a, actor=as_agent(agent))
    assert exc.value.code == "invalid_merge"
    assert snapshot(a) == before
    assert not Event.objects.filter(kind="ticket.merged").exists()


def test_it_refuses_to_merge_an_already_merged_ticket_again(three, agent):
    a, b, c = three
    merge_tickets(target=a, source=b, actor=as_agent(agent))
    before = snapshot(a, b, c)
    with pytest.raises(ValidationError) as exc:
        merge_tickets(target=c, source=b, actor=as_agent(agent))
    assert exc.value.code == "invalid_merge"
    assert snapshot(a, b, c) == before
    assert Ticket.objects.get(pk=b.pk).merged_into_id == a.pk


def test_it_refuses_to_merge_into_a_merged_ticket(three, agent):
    a, b, c = three
    merge_tickets(target=a, source=b, actor=as_agent(agent))
    before = snapshot(a, b, c)
    with pytest.raises(ValidationError) as exc:
        merge_tickets(target=b, source=c, actor=as_agent(agent))
    assert exc.value.code == "invalid_merge"
    assert snapshot(a, b, c) == before


def test_it_refuses_to_merge_tickets_the_agent_cannot_see(three, other_agent):
    a, b, _c = three
    before = snapshot(a, b)
    with pytest.raises(PermissionDenied):
        merge_tickets(target=a, source=b, actor=as_agent(other_agent))
    assert snapshot(a, b) == before
    assert not Event.objects.filter(kind="ticket.merged").exists()


def test_it_merges_nothing_when_one_of_several_sources_is_already_merged(three, inbound,
                                                                         support, agent):
    a, b, c = three
    d = in_group(inbound("Вопрос 4", thread="q-4").ticket, support)
    merge_tickets(target=d, source=c, actor=as_agent(agent))
    before = snapshot(a, b, c, d)
    with pytest.raises(ValidationError):
        merge_tickets(target=a, sources=[b, c], actor=as_agent(agent))
    assert snapshot(a, b, c, d) == before
    assert Ticket.objects.get(pk=b.pk).status == Status.NEW
    assert Event.objects.filter(kind="ticket.merged").count() == 1


def test_it_merges_nothing_when_one_of_several_sources_is_out_of_sight(three, claims, agent):
    a, b, c = three
    in_group(c, claims)  # a group the agent is not in
    before = snapshot(a, b, c)
    with pytest.raises(PermissionDenied):
        merge_tickets(target=a, sources=[b, c], actor=as_agent(agent))
    assert snapshot(a, b, c) == before
    assert not Event.objects.filter(kind="ticket.merged").exists()


# --- reminders --------------------------------------------------------------------------------


def _close(ticket, agent, other):
    set_status(ticket=ticket, status=Status.CLOSED, actor=as_agent(agent))


def _spam(ticket, agent, other):
    set_status(ticket=ticket, status=Status.SPAM, actor=as_agent(agent))


def _merge(ticket, agent, other):
    merge_tickets(target=other, source=ticket, actor=as_agent(agent))


@pytest.mark.parametrize("finish", [_close, _spam, _merge], ids=["closed", "spam", "merged"])
def test_it_refuses_a_reminder_on_a_finished_ticket(three, agent, finish):
    ticket, other, _c = three
    finish(ticket, agent, other)
    before = snapshot(ticket)
    with pytest.raises(ValidationError) as exc:
        set_reminder(ticket=ticket, at=timezone.now() + timedelta(days=1), actor=as_agent(agent))
    assert exc.value.code == "invalid_reminder"
    assert snapshot(ticket) == before
    assert not Timer.objects.filter(ticket_id=ticket.pk).exists()


def test_it_refuses_a_reminder_in_the_past_and_leaves_the_ticket_be(ticket, agent):
    before = snapshot(ticket)
    with pytest.raises(ValidationError) as exc:
        set_reminder(ticket=ticket, at=timezone.now() - timedelta(minutes=1),
                     actor=as_agent(agent))
    assert exc.value.code == "invalid_reminder"
    assert snapshot(ticket) == before
    assert Ticket.objects.get(pk=ticket.pk).status == Status.NEW
    assert not Timer.objects.exists()


def test_it_refuses_a_reminder_from_an_agent_who_cannot_see_the_ticket(ticket, other_agent):
    before = snapshot(ticket)
    with pytest.raises(PermissionDenied):
        set_reminder(ticket=ticket, at=timezone.now() + timedelta(days=1),
                     actor=as_agent(other_agent))
    assert snapshot(ticket) == before
    assert not Timer.objects.exists()


def test_it_refuses_to_clear_a_reminder_for_an_agent_who_cannot_see_the_ticket(ticket, agent,
                                                                              other_agent):
    at = timezone.now() + timedelta(days=1)
    set_reminder(ticket=ticket, at=at, actor=as_agent(agent))
    with pytest.raises(PermissionDenied):
        clear_reminder(ticket=ticket, actor=as_agent(other_agent))
    fresh = Ticket.objects.get(pk=ticket.pk)
    assert fresh.status == Status.PENDING and fresh.remind_at == at
    assert Timer.objects.filter(ticket_id=ticket.pk, fired_at__isnull=True).count() == 1


# --- ingest on behalf of an agent -------------------------------------------------------------


def _call(channel: Channel) -> InboundMessage:
    return InboundMessage(channel_id=channel.pk, text="Клиент звонил, просил перезвонить",
                          sender=Sender(name="Звонящий", phone="+79990001122"))


def test_it_refuses_a_call_recorded_by_a_contractor(manual_channel, contractor):
    with pytest.raises(PermissionDenied):
        ingest(_call(manual_channel), recorded_by=contractor)
    assert not Ticket.objects.exists()
    assert not Client.objects.exists()
    assert not Message.objects.exists()
    assert not Event.objects.exists()


def test_it_refuses_a_call_recorded_by_a_disabled_agent(manual_channel, agent):
    agent.is_active = False
    agent.save(update_fields=["is_active"])
    with pytest.raises(PermissionDenied):
        ingest(_call(manual_channel), recorded_by=agent)
    assert not Ticket.objects.exists()
    assert not Client.objects.exists()
    assert not Message.objects.exists()
    assert not Event.objects.exists()


# --- replies ----------------------------------------------------------------------------------


def _outbound(ticket: Ticket) -> int:
    return Message.objects.filter(ticket_id=ticket.pk, kind=MessageKind.OUTBOUND).count()


@pytest.mark.parametrize("status", [Status.CLOSED, Status.SPAM])
def test_it_refuses_a_reply_on_a_closed_or_spam_ticket(ticket, agent, status):
    set_status(ticket=ticket, status=status, actor=as_agent(agent))
    with pytest.raises(ValidationError) as exc:
        reply(ticket=ticket, actor=as_agent(agent), text="Добрый день!")
    assert exc.value.code == "ticket_closed"
    assert _outbound(ticket) == 0
    assert not Event.objects.filter(kind="message.added").exists()


@pytest.mark.parametrize("status", [Status.CLOSED, Status.SPAM])
def test_it_allows_a_note_on_a_closed_or_spam_ticket(ticket, agent, status):
    set_status(ticket=ticket, status=status, actor=as_agent(agent))
    reply(ticket=ticket, actor=as_agent(agent), text="Для себя: клиент писал дважды",
          kind="note")
    note = Message.objects.get(ticket=ticket, kind=MessageKind.NOTE)
    assert note.body_text == "Для себя: клиент писал дважды"
    assert note.actor_agent == agent
    assert Ticket.objects.get(pk=ticket.pk).status == status


@pytest.mark.parametrize("kind", ["reply", "note"])
def test_it_refuses_to_write_on_a_merged_ticket(three, agent, kind):
    a, b, _c = three
    merge_tickets(target=a, source=b, actor=as_agent(agent))
    with pytest.raises(ValidationError) as exc:
        reply(ticket=b, actor=as_agent(agent), text="Ответ не туда", kind=kind)
    assert exc.value.code == "ticket_merged"
    assert not Message.objects.filter(body_text="Ответ не туда").exists()


def test_it_refuses_a_reply_through_a_channel_the_client_never_used(ticket, agent):
    office = Channel.objects.create(kind=ChannelKind.MANUAL, name="Телефон офиса")
    with pytest.raises(ValidationError) as exc:
        reply(ticket=ticket, actor=as_agent(agent), text="Перезвонили", channel=office)
    assert exc.value.code == "invalid_channel"
    assert _outbound(ticket) == 0
    assert not Message.objects.filter(channel=office).exists()


# --- a contractor on his ticket ---------------------------------------------------------------


@pytest.fixture
def contractors_ticket(ticket, supervisor, contractor):
    assign(ticket=ticket, assignee=contractor, actor=as_agent(supervisor))
    return Ticket.objects.get(pk=ticket.pk)


def test_it_lets_the_assigned_contractor_change_the_status(contractors_ticket, contractor):
    update_ticket(ticket=contractors_ticket, actor=as_agent(contractor), status=Status.PENDING,
                  assignee=contractors_ticket.assignee)
    fresh = Ticket.objects.get(pk=contractors_ticket.pk)
    assert fresh.status == Status.PENDING
    assert fresh.assignee == contractor
    change = Change.objects.filter(ticket=fresh, actor_agent=contractor).get()
    assert (change.field, change.new) == ("status", "pending")


@pytest.mark.parametrize("to", ["agent", None])
def test_it_does_not_let_a_contractor_reassign_his_ticket(contractors_ticket, contractor,
                                                          agent, to):
    new_assignee = agent if to else None
    before = snapshot(contractors_ticket)
    with pytest.raises(PermissionDenied):
        update_ticket(ticket=contractors_ticket, actor=as_agent(contractor),
                      status=Status.PENDING, assignee=new_assignee)
    assert snapshot(contractors_ticket) == before
    assert Ticket.objects.get(pk=contractors_ticket.pk).assignee == contractor
