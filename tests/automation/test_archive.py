"""Service mail straight into the archive [AU5] (Samsonite's payment-system and order
confirmations): closed with the archived flag, out of every working queue and its count,
in the Archive queue, still found by search; the shipped rule comes before auto-replies."""

from __future__ import annotations

import importlib

from helpwire.automation import actions
from helpwire.automation.models import ReplyTemplate, Rule
from helpwire.search.query import search_page
from helpwire.tickets import counters
from helpwire.tickets.access import visible_tickets
from helpwire.tickets.models import Change, Message, MessageKind, Status
from helpwire.tickets.selectors import ticket_queryset
from helpwire.workspace import queues

service = importlib.import_module(
    "helpwire.automation.migrations.0005_silent_client_and_service_mail")
replies = importlib.import_module("helpwire.automation.migrations.0003_autoreplies_as_rules")


def shipped() -> None:
    Rule.objects.all().delete()
    service.ship_service_mail(Rule, position=0)
    replies.ship_autoreplies(ReplyTemplate, Rule, position=1)
    for rule in Rule.objects.all():
        actions.update_rule(rule=rule, values={"enabled": True})


def test_it_archives_a_payment_receipt_before_any_auto_reply(inbound, supervisor, support):
    shipped()
    receipt = inbound("Платёж 1 500 ₽ по заказу 7781 принят", email="receipts@yookassa.ru",
                      name="ЮKassa", thread="r1",
                      ticket_defaults={"group_id": support.pk}).ticket
    question = inbound("Где мой заказ 7781?", thread="q1",
                       ticket_defaults={"group_id": support.pk}).ticket
    receipt.refresh_from_db()
    assert (receipt.status, receipt.archived) == (Status.CLOSED, True)
    assert not Message.objects.filter(ticket=receipt, kind=MessageKind.OUTBOUND).exists()
    assert Change.objects.filter(ticket=receipt, field="archived", new="yes",
                                 actor_name="Служебные письма → архив").exists()
    question.refresh_from_db()
    assert question.status == Status.NEW and not question.archived
    assert Message.objects.filter(ticket=question, kind=MessageKind.OUTBOUND).exists()

    counts = queues.counts(supervisor)
    for queue in queues.builtin(supervisor):
        listed = set(ticket_queryset(viewer=supervisor, filters=queue.filters)
                     .values_list("pk", flat=True))
        assert counts[queue.slug] == len(listed), queue.slug
        assert (receipt.pk in listed) == (queue.slug == "archive"), queue.slug
    assert counters.cells() == counters.recount()

    found = search_page(q="заказ 7781", queryset=visible_tickets(supervisor), per_page=10)
    assert {h.ticket.pk for h in found.hits} == {receipt.pk, question.pk}


def test_it_archives_without_asking_for_required_fields(inbound, agent):
    from helpwire.tickets.models import CustomField, FieldKind

    CustomField.objects.create(key="topic", label="Тема", kind=FieldKind.TEXT, required=True)
    shipped()
    receipt = inbound("Чек", email="noreply@cloudpayments.ru", thread="r2").ticket
    receipt.refresh_from_db()
    assert receipt.archived and receipt.status == Status.CLOSED
