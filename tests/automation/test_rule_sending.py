"""Rules that send [AU1 AU3 TK7]: an automatic reply from a template with the ticket number
and the promised answer time by the group's working hours, worded for working hours or not;
it is not an agent's answer; an email to any address goes out after commit, one copy each."""

from __future__ import annotations

import importlib
import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core import mail as django_mail
from django.core.exceptions import ValidationError

from helpwire.automation import actions, rule_inputs
from helpwire.automation.models import ReplyTemplate, Rule
from helpwire.automation.tasks import send_rule_email
from helpwire.calendars import actions as calendar_actions
from helpwire.calendars import inputs as calendar_inputs
from helpwire.conversations.rendering import (
    answer_by,
    json_string,
    missing,
    render,
    variables,
)
from helpwire.tickets.models import Message, MessageKind, Status
from tests.api.conftest import Api
from tests.automation.test_rules import rule


@pytest.fixture
def api_as():
    return Api

MSK = ZoneInfo("Europe/Moscow")


def office(group):
    week = {d: [["09:00", "18:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}
    group.calendar = calendar_actions.save_calendar(values=calendar_inputs.clean(
        name="Офис", time_zone="Europe/Moscow", week=week, rotation=None, holidays="RU",
        days=[]))
    group.save()


def test_it_promises_an_answer_by_working_hours(inbound, support):
    office(support)
    ticket = inbound(ticket_defaults={"group_id": support.pk}).ticket
    friday_evening = datetime(2026, 12, 4, 19, 0, tzinfo=MSK)
    monday_morning = datetime(2026, 12, 7, 10, 0, tzinfo=MSK)
    assert answer_by(ticket=ticket, now=friday_evening).endswith("13:00")  # Monday 9 + 4 h
    assert "7" in answer_by(ticket=ticket, now=friday_evening)
    assert answer_by(ticket=ticket, now=monday_morning).endswith("14:00")


def test_it_auto_replies_with_the_number_and_leaves_the_ticket_unanswered(inbound):
    if not Rule.objects.filter(name__startswith="Автоответ").exists():
        # A transactional test before this one flushed what the migration shipped.
        shipped = importlib.import_module(
            "helpwire.automation.migrations.0003_autoreplies_as_rules")
        shipped.ship_autoreplies(ReplyTemplate, Rule, position=Rule.objects.count())
    Rule.objects.filter(name__startswith="Автоответ").update(enabled=True)  # the shipped pair
    ticket = inbound("Где мой заказ?", name="Мария Клиентова").ticket
    sent = Message.objects.get(ticket=ticket, kind=MessageKind.OUTBOUND)
    assert f"№{ticket.number}" in sent.body_text and "Мария!" in sent.body_text
    assert sent.actor_kind == "rule" and sent.actor_name.startswith("Автоответ")
    ticket.refresh_from_db()
    assert ticket.status == Status.NEW and ticket.first_response_at is None


def test_it_never_auto_replies_to_a_machine(inbound):
    template = ReplyTemplate.objects.create(title="Ack", body="Заявка {{ticket.number}}")
    rule(actions=[{"type": "reply_template", "template_id": template.pk}])
    ticket = inbound("Out of office", meta={"automatic": "Auto-Submitted: auto-replied"}).ticket
    assert not Message.objects.filter(ticket=ticket, kind=MessageKind.OUTBOUND).exists()
    assert Message.objects.get(ticket=ticket).pk  # the mail itself is kept


def test_it_emails_any_address_after_commit_one_copy_each(inbound,
                                                          django_capture_on_commit_callbacks):
    rule(actions=[{"type": "send_email", "to": ["ops@shop.test", "lead@shop.test"],
                   "subject": "Претензия №{{ticket.number}}", "body": "{{message.text}}"}])
    with django_capture_on_commit_callbacks() as callbacks:
        ticket = inbound("Разбита посылка").ticket
    assert len(callbacks) >= 1
    send_rule_email.call(to=["ops@shop.test", "lead@shop.test"],
                         subject=f"Претензия №{ticket.number}", body="Разбита посылка")
    assert [m.to for m in django_mail.outbox] == [["ops@shop.test"], ["lead@shop.test"]]
    assert django_mail.outbox[0].extra_headers["Auto-Submitted"] == "auto-replied"


def test_it_renders_every_placeholder_and_names_the_empty_ones(inbound, agent):
    ticket = inbound("Текст клиента", name="Мария Клиентова", email="m@example.ru").ticket
    values = variables(ticket=ticket, agent=agent, message=ticket.messages.first(),
                       changes={"status": ["new", "open"]})
    text = ("{{client.first_name}} {{client.email}} {{ticket.number}} {{ticket.url}} "
            "{{agent.name}} {{message.text}} {{changes}} {{ticket.assignee}} {{nope}}")
    out = render(text, values)
    assert out.startswith(f"Мария m@example.ru {ticket.number} ")
    assert f"/t/{ticket.number}/" in out and agent.name in out and "status: new → open" in out
    assert out.endswith("{{nope}}")  # not a variable: left as typed
    assert missing(text, values) == ["ticket.assignee"]


def test_it_escapes_values_inside_a_json_body(inbound):
    ticket = inbound('Он сказал "стоп"\nи ушёл').ticket
    values = variables(ticket=ticket, agent=None, message=ticket.messages.first())
    body = render('{"text": "{{message.text}}"}', values, escape=json_string)
    assert json.loads(body)["text"] == 'Он сказал "стоп"\nи ушёл'


def test_it_refuses_a_send_action_it_cannot_do(db):
    for action in ({"type": "reply_template", "template_id": 999999},
                   {"type": "send_email", "to": ["not an address"], "subject": "x", "body": "y"},
                   {"type": "send_email", "to": ["a@b.ru"], "subject": "", "body": "y"}):
        with pytest.raises(ValidationError):
            actions.create_rule(values=rule_inputs.clean(
                name="x", enabled=True, mode="event", events=["ticket.created"],
                conditions={}, actions=[action], stop=False))


def test_it_shows_the_rule_as_the_author_of_its_reply_in_the_api(inbound, api_as, admin):
    template = ReplyTemplate.objects.create(title="Ack", body="Заявка {{ticket.number}}")
    made = rule(name="Подтверждение",
                actions=[{"type": "reply_template", "template_id": template.pk}])
    ticket = inbound().ticket
    messages = api_as(admin).get(f"/tickets/{ticket.pk}").json()["messages"]
    by_rule = [m["author"] for m in messages if m["author"]["kind"] == "rule"]
    assert by_rule == [{"kind": "rule", "name": "Подтверждение", "agent_id": None,
                        "client_id": None, "rule_id": made.pk}]
