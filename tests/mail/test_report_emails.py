"""Scheduled reports [RP4]: Monday's report arrives at the SMTP capture from the system
mailbox with last week's figures and the XLSX attached; two schedulers send it once; the
next one is due the Monday after."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import time_machine
from django_tasks import default_task_backend
from openpyxl import load_workbook

from helpwire.core.actors import Actor
from helpwire.mail.actions import create_mailbox
from helpwire.reports import actions, schedules
from helpwire.reports.models import Schedule, TagSet
from helpwire.tickets import tags

MSK = ZoneInfo("Europe/Moscow")
MONDAY_8 = datetime(2026, 11, 30, 8, 0, tzinfo=MSK)


def test_it_emails_mondays_report_with_the_xlsx(db, inbound, supervisor, smtp_capture,
                                                settings, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "helpwire.mail.backend.SystemMailboxBackend"
    create_mailbox(actor=Actor.system("test"), address="desk@shop.test", name="Helpwire",
                   smtp_host=smtp_capture.host, smtp_port=smtp_capture.port,
                   smtp_security="none", is_system=True)
    for i in range(3):  # last week: Tuesday 24 November
        with time_machine.travel(datetime(2026, 11, 24, 10, i, tzinfo=MSK), tick=False):
            inbound(f"Вопрос {i}", thread=f"r{i}", email=f"c{i}@example.ru")
    with time_machine.travel(MONDAY_8 - timedelta(days=3), tick=False):
        schedule = actions.save_schedule(actor=Actor.of_agent(supervisor), schedule=None,
                                         values={"name": "Итоги недели", "period": "weekly",
                                                 "recipients": "pm@shop.test, lead@shop.test",
                                                 "params": "group_by=day"})
    assert schedule.due_at == MONDAY_8
    with time_machine.travel(MONDAY_8 + timedelta(minutes=1), tick=False), \
            django_capture_on_commit_callbacks(execute=True):
        assert schedules.send_due() == 1
        assert schedules.send_due() == 0  # a second scheduler finds nothing due
    sent = [r.args for r in default_task_backend.results  # type: ignore[attr-defined]
            if r.task.func is schedules.send_report.func]
    assert sent == [[schedule.pk, "2026-11-23", "2026-11-29"]]
    schedules.send_report.call(*sent[0])
    message = smtp_capture.wait_for(1)[0]
    assert sorted(message.rcpt_tos) == ["lead@shop.test", "pm@shop.test"]
    mail = message.message
    assert "Итоги недели" in str(mail["Subject"]) and "23.11.2026" in str(mail["Subject"])
    html = next(p for p in mail.walk() if p.get_content_type() == "text/html").get_content()
    assert "Итоги недели" in html and ">3<" in html  # three created last week
    sheet = next(p for p in mail.walk() if p.get_filename(""). endswith(".xlsx"))
    book = load_workbook(io.BytesIO(sheet.get_payload(decode=True)))
    values = list(book.worksheets[0].values)
    assert values[-1][1] == 3 and len(values) == 1 + 7 + 1  # header, seven days, the total
    schedule.refresh_from_db()
    assert schedule.last_sent_at is not None and schedule.last_error == ""
    assert schedule.due_at == MONDAY_8 + timedelta(days=7)


def test_it_sends_a_tag_set_and_keeps_a_failure_on_the_schedule(db, inbound, supervisor,
                                                                  tag_tree, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    wishes = TagSet.objects.create(name="Пожелания")
    wishes.tags.set([tags.find("Доставка › Сроки")])
    schedule = Schedule.objects.create(name="Пожелания по неделям", period="weekly",
                                       recipients="pm@shop.test",
                                       params=f"tag_set={wishes.pk}", due_at=MONDAY_8)
    message = schedules.build(schedule, start=MONDAY_8.date() - timedelta(days=7),
                              end=MONDAY_8.date() - timedelta(days=1))
    assert "Доставка › Сроки" in message.body
    broken = Schedule.objects.create(name="Сломанный", period="weekly", recipients="x@y.test",
                                     params="tag_set=1&channel=x", due_at=MONDAY_8)
    schedules.send_report.call(broken.pk, "2026-11-23", "2026-11-29")
    broken.refresh_from_db()
    assert broken.last_error and broken.last_sent_at is None
