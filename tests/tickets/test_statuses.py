"""Statuses behave like Usedesk's [TK1]: every transition, and what a client message does."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from helpwire.conversations import reply
from helpwire.core.actors import Actor
from helpwire.tickets.actions import set_status, update_ticket
from helpwire.tickets.models import Change, CustomField, FieldKind, Status, Ticket
from tests.conftest import as_agent


def _reload(ticket: Ticket) -> Ticket:
    ticket.refresh_from_db()
    return ticket


def test_it_starts_a_client_ticket_as_new(ticket):
    assert ticket.status == Status.NEW


def test_it_opens_a_new_ticket_on_the_first_agent_reply(ticket, agent):
    reply(ticket=ticket, actor=as_agent(agent), text="Проверим и вернёмся")
    assert _reload(ticket).status == Status.OPEN
    assert ticket.first_response_at is not None


def test_it_opens_a_new_ticket_on_any_first_agent_action(ticket, agent):
    update_ticket(ticket=ticket, actor=as_agent(agent), priority="urgent")
    assert _reload(ticket).status == Status.OPEN
    fields = set(Change.objects.filter(ticket=ticket).values_list("field", flat=True))
    assert {"priority", "status"} <= fields


def test_it_opens_a_new_ticket_on_a_private_note(ticket, agent):
    reply(ticket=ticket, actor=as_agent(agent), text="Уточнить у склада", kind="note")
    assert _reload(ticket).status == Status.OPEN
    assert ticket.first_response_at is None  # a note is not a response to the client


def test_it_keeps_a_ticket_new_when_a_rule_acts(ticket):
    update_ticket(ticket=ticket, actor=Actor.rule("priority by words"), priority="urgent")
    assert _reload(ticket).status == Status.NEW


@pytest.mark.parametrize("start", [Status.OPEN, Status.ON_HOLD, Status.PENDING, Status.SOLVED,
                                   Status.SPAM])
@pytest.mark.parametrize("target", [Status.OPEN, Status.ON_HOLD, Status.PENDING, Status.SOLVED,
                                    Status.CLOSED, Status.SPAM])
def test_it_moves_between_working_statuses(ticket, agent, start, target):
    Ticket.objects.filter(pk=ticket.pk).update(status=start)
    set_status(ticket=_reload(ticket), status=target, actor=as_agent(agent))
    assert _reload(ticket).status == target
    if start != target:
        change = Change.objects.filter(ticket=ticket, field="status").last()
        assert (change.old, change.new) == (start, target)
        assert change.actor_agent == agent


@pytest.mark.parametrize("target", [Status.NEW, Status.MERGED])
def test_it_refuses_statuses_that_cannot_be_set_by_hand(ticket, agent, target):
    Ticket.objects.filter(pk=ticket.pk).update(status=Status.OPEN)
    with pytest.raises(ValidationError) as exc:
        set_status(ticket=_reload(ticket), status=target, actor=as_agent(agent))
    assert exc.value.code == "invalid_status"
    assert _reload(ticket).status == Status.OPEN


def test_it_refuses_an_unknown_status_without_writing(ticket, agent):
    with pytest.raises(ValidationError) as exc:
        update_ticket(ticket=ticket, actor=as_agent(agent), priority="urgent", status="done")
    assert exc.value.code == "invalid_status"
    assert _reload(ticket).priority == "medium"  # the whole edit rolled back
    assert not Change.objects.filter(ticket=ticket).exists()


def test_it_keeps_a_closed_ticket_closed(ticket, agent):
    set_status(ticket=ticket, status=Status.CLOSED, actor=as_agent(agent))
    with pytest.raises(ValidationError) as exc:
        set_status(ticket=ticket, status=Status.OPEN, actor=as_agent(agent))
    assert exc.value.code == "ticket_closed"


def test_it_refuses_any_change_to_a_merged_ticket(ticket, agent):
    Ticket.objects.filter(pk=ticket.pk).update(status=Status.MERGED)
    with pytest.raises(ValidationError):
        set_status(ticket=_reload(ticket), status=Status.OPEN, actor=as_agent(agent))


def test_it_needs_required_fields_before_solving(ticket, agent):
    CustomField.objects.create(key="order", label="Номер заказа", kind=FieldKind.TEXT,
                               required=True)
    with pytest.raises(ValidationError) as exc:
        set_status(ticket=ticket, status=Status.SOLVED, actor=as_agent(agent))
    assert exc.value.code == "required_fields"
    update_ticket(ticket=ticket, actor=as_agent(agent), field_values={"order": "BX-1"},
                  status=Status.SOLVED)
    assert _reload(ticket).status == Status.SOLVED
    assert ticket.solved_at is not None


@pytest.mark.parametrize("start", [Status.PENDING, Status.ON_HOLD, Status.SOLVED])
def test_it_reopens_on_a_client_message(inbound, ticket, start):
    Ticket.objects.filter(pk=ticket.pk).update(status=start)
    result = inbound("Всё ещё не работает", thread="t-1")
    assert result.ticket.pk == ticket.pk
    assert _reload(ticket).status == Status.OPEN
    change = Change.objects.filter(ticket=ticket, field="status").last()
    assert (change.old, change.new, change.actor_kind) == (start, Status.OPEN, "client")


def test_it_leaves_new_and_open_tickets_alone_on_a_client_message(inbound, ticket):
    inbound("Добавлю деталей", thread="t-1")
    assert _reload(ticket).status == Status.NEW
    Ticket.objects.filter(pk=ticket.pk).update(status=Status.OPEN)
    inbound("И ещё", thread="t-1")
    assert _reload(ticket).status == Status.OPEN


def test_it_keeps_spam_as_spam_on_a_client_message(inbound, ticket):
    Ticket.objects.filter(pk=ticket.pk).update(status=Status.SPAM)
    result = inbound("Купите слона", thread="t-1")
    assert result.ticket.pk == ticket.pk
    assert _reload(ticket).status == Status.SPAM


def test_it_opens_a_linked_ticket_when_a_client_writes_on_a_closed_one(inbound, ticket, agent):
    set_status(ticket=ticket, status=Status.CLOSED, actor=as_agent(agent))
    result = inbound("Снова здравствуйте", thread="t-1")
    assert result.created
    assert result.ticket.pk != ticket.pk
    assert result.ticket.previous == ticket
    assert result.ticket.status == Status.NEW
    assert _reload(ticket).status == Status.CLOSED
    # The conversation key now leads to the new ticket.
    assert inbound("И ещё вопрос", thread="t-1").ticket.pk == result.ticket.pk


def test_it_leaves_spam_and_merged_out_of_statistics(inbound, agent):
    a = inbound("one", thread="a").ticket
    b = inbound("two", thread="b").ticket
    c = inbound("three", thread="c").ticket
    set_status(ticket=b, status=Status.SPAM, actor=as_agent(agent))
    Ticket.objects.filter(pk=c.pk).update(status=Status.MERGED)
    counted = Ticket.objects.counted()
    assert list(counted.values_list("pk", flat=True)) == [a.pk]
