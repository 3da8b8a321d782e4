"""The seed flows of #12 set up on the screens by a support lead, then shown working: the
silent-client rules switched on from the list, Samsonite's service mail archived by a rule
built in plain words, Boxberry's outage notice as a manual rule run from the bulk bar, and the
shipped auto-replies worded for working hours and for after hours with a controllable clock."""

from __future__ import annotations

import importlib
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from helpwire.automation.models import ReplyTemplate, Rule
from helpwire.conversations import reply
from helpwire.core import timers
from helpwire.core.actors import Actor
from helpwire.tickets.models import Message, MessageKind, Status, Tag
from tests.automation.test_rule_sending import office

MSK = ZoneInfo("Europe/Moscow")
silent = importlib.import_module(
    "helpwire.automation.migrations.0005_silent_client_and_service_mail")
replies = importlib.import_module("helpwire.automation.migrations.0003_autoreplies_as_rules")


@pytest.fixture
def browser_as(english_browser_as):
    return english_browser_as


def rule_texts(ticket) -> list[str]:
    return [m.body_text for m in Message.objects.filter(
        ticket=ticket, kind=MessageKind.OUTBOUND, actor_kind="rule").order_by("pk")]


def test_a_lead_switches_the_silent_client_rules_on_and_they_nag_then_solve(
        browser_as, admin, agent, inbound):
    Rule.objects.all().delete()
    silent.ship_silent_client(ReplyTemplate, Rule, position=0)
    b = browser_as(admin)
    listing = b.get(reverse("workspace:settings_rules")).content.decode()
    assert "Молчащий клиент: напоминание" in listing and "on a schedule" in listing
    for rule in Rule.objects.all():
        assert b.post(reverse("workspace:settings_rule_toggle", args=[rule.pk])).status_code == 302
    assert Rule.objects.filter(enabled=True).count() == 3
    start = datetime(2026, 12, 7, 10, 0, tzinfo=MSK)
    with time_machine.travel(start, tick=False):
        ticket = inbound("Не могу войти", thread="s1").ticket
        reply(ticket=ticket, actor=Actor.of_agent(agent), text="Какой у вас логин?",
              status=Status.PENDING)
    for hours in (49, 121, 193):
        with time_machine.travel(start + timedelta(hours=hours), tick=False):
            timers.sweep()
    texts = rule_texts(ticket)
    assert len(texts) == 3 and "откроется снова" in texts[-1]
    ticket.refresh_from_db()
    assert ticket.status == Status.SOLVED


def test_a_lead_builds_the_service_mail_archive_rule(browser_as, admin, supervisor, inbound):
    b = browser_as(admin)
    r = b.post(reverse("workspace:settings_rule_new"), {
        "name": "Платёжки → архив", "enabled": "on", "mode": "event",
        "events": ["ticket.created"],
        "all_0_field": "sender", "all_0_op": "in", "all_0_value": "yookassa.ru, @payanyway.ru",
        "action_0_type": "archive", "stop": "on", "daily_cap": "20", "version": ""})
    assert r.status_code == 302, r.content.decode()[:2000]
    receipt = inbound("Оплата заказа 55 прошла", email="robot@yookassa.ru", thread="p1").ticket
    receipt.refresh_from_db()
    assert receipt.archived and receipt.status == Status.CLOSED
    archive = b.get("/queues/archive/").content.decode()
    assert f"/tickets/{receipt.pk}/" in archive
    assert f"/tickets/{receipt.pk}/" not in b.get("/queues/solved/").content.decode()
    assert f"/tickets/{receipt.pk}/" in b.get("/search/", {"q": "заказа 55"}).content.decode()


def test_a_lead_builds_the_outage_notice_and_runs_it_from_the_bulk_bar(
        browser_as, admin, agent, inbound):
    Tag.objects.create(name="Авария 12.03")
    ReplyTemplate.objects.create(title="Авария устранена", body="Сбой устранён, всё работает.")
    b = browser_as(admin)
    r = b.post(reverse("workspace:settings_rule_new"), {
        "name": "Авария устранена", "enabled": "on", "mode": "manual",
        "all_0_field": "tag", "all_0_op": "is", "all_0_value": "Авария 12.03",
        "action_0_type": "reply_template", "action_0_value": "Авария устранена",
        "action_1_type": "remove_tags", "action_1_value": "Авария 12.03",
        "daily_cap": "20", "version": ""})
    assert r.status_code == 302, r.content.decode()[:2000]
    rule = Rule.objects.get(name="Авария устранена")
    tickets = []
    for i in range(3):
        t = inbound(f"Не проходит оплата {i}", thread=f"a{i}", email=f"c{i}@example.ru").ticket
        t.tags.add(Tag.objects.get(name="Авария 12.03"))
        tickets.append(t)
    bulk = {"action": "rule", "value_rule": rule.pk, "all_matching": "1",
            "list_path": "/queues/all/", "list_query": "tag=Авария 12.03"}
    first = b.post("/bulk/", bulk, HTTP_HX_REQUEST="true").content.decode()
    assert "3 tickets changed" in first
    assert [len(rule_texts(t)) for t in tickets] == [1, 1, 1]
    assert not any(t.tags.exists() for t in tickets)


def test_the_shipped_auto_replies_say_working_hours_or_not(admin, inbound, support):
    Rule.objects.all().delete()
    replies.ship_autoreplies(ReplyTemplate, Rule, position=0)
    Rule.objects.update(enabled=True)
    office(support)
    monday = datetime(2026, 12, 7, 11, 0, tzinfo=MSK)
    friday_evening = datetime(2026, 12, 4, 19, 30, tzinfo=MSK)
    with time_machine.travel(monday, tick=False):
        day = inbound("Вопрос днём", thread="d1", email="d@example.ru",
                      ticket_defaults={"group_id": support.pk}).ticket
    with time_machine.travel(friday_evening, tick=False):
        night = inbound("Вопрос вечером", thread="n1", email="n@example.ru",
                        ticket_defaults={"group_id": support.pk}).ticket
    (day_text,), (night_text,) = rule_texts(day), rule_texts(night)
    assert "нерабочее" not in day_text and "15:00" in day_text  # 11:00 + 4 working hours
    assert "нерабочее время" in night_text and "13:00" in night_text  # Monday 9:00 + 4 h
