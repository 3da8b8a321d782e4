"""Reports emailed on a schedule [RP4]: every Monday for last week, or on the 1st for last
month, at 08:00 in the instance's time zone, as an HTML summary with the XLSX attached.

The scheduler claims due schedules row by row (``SKIP LOCKED``), moves each one's
``due_at`` on and enqueues the sending after commit, so several schedulers send each
report once; the email itself goes out in a task, never inside the claim."""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.http import QueryDict
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from helpwire.core import periodic
from helpwire.reports import export, inputs, selectors, tables
from helpwire.reports.facts import zone
from helpwire.reports.models import Period, Schedule, TagSet

logger = logging.getLogger("helpwire.reports")
SEND_AT = time(8, 0)


def next_due(period: str, after: datetime) -> datetime:
    """The next Monday (weekly) or 1st of a month (monthly) at 08:00 after ``after``."""
    tz = zone()
    day = after.astimezone(tz).date()
    while True:
        day += timedelta(days=1)
        if (period == Period.WEEKLY and day.weekday() == 0) or (
                period == Period.MONTHLY and day.day == 1):
            return datetime.combine(day, SEND_AT, tz)


def period_before(period: str, due: datetime) -> tuple[date, date]:
    """The week (Monday–Sunday) or month that ended before the day ``due`` falls on."""
    day = due.astimezone(zone()).date()
    if period == Period.WEEKLY:
        monday = day - timedelta(days=day.weekday())
        return monday - timedelta(days=7), monday - timedelta(days=1)
    last = day.replace(day=1) - timedelta(days=1)
    return last.replace(day=1), last


def recipients(schedule: Schedule) -> list[str]:
    return [a.strip() for a in schedule.recipients.replace(";", ",").replace("\n", ",")
            .split(",") if a.strip()]


@periodic.every(60, name="reports.schedules")
def send_due(*, limit: int = 20) -> int:
    """Claim the schedules that are due and hand each sending to a task."""
    now = timezone.now()
    with transaction.atomic():
        due = list(Schedule.objects.select_for_update(skip_locked=True)
                   .filter(due_at__lte=now).order_by("due_at")[:limit])
        for s in due:
            start, end = period_before(s.period, s.due_at)
            s.due_at = next_due(s.period, now)
            s.save(update_fields=["due_at"])
            transaction.on_commit(partial(send_report.enqueue, s.pk, start.isoformat(),
                                          end.isoformat()))
    return len(due)


def build(schedule: Schedule, *, start: date, end: date) -> EmailMultiAlternatives:
    """The email of one report for one period."""
    params = QueryDict(schedule.params, mutable=True)
    params["from"], params["to"] = start.isoformat(), end.isoformat()
    f = inputs.parse(params)
    context: dict[str, Any] = {"schedule": schedule, "f": f,
                               "url": f"{settings.HELPWIRE_BASE_URL}/reports/?"
                                      f"{inputs.query_string(f)}"}
    tag_set = TagSet.objects.filter(pk=params.get("tag_set") or 0).first()
    if tag_set is not None:
        weeks = selectors.tag_weeks(f, list(tag_set.tags.all()))
        context.update(tag_set=tag_set, weeks=weeks)
        columns, rows = tables.tag_columns(weeks), tables.tag_rows(weeks)
    else:
        data = selectors.overview(f)
        before = selectors.overview(f.previous())["total"]
        context.update(summary=tables.summary(data["total"], before))
        columns = list(tables.OVERVIEW)
        rows = [*data["rows"], {**data["total"], "label": str(tables.TOTAL)}]
    subject = _("%(name)s: %(start)s – %(end)s") % {
        "name": schedule.name, "start": f"{start:%d.%m.%Y}", "end": f"{end:%d.%m.%Y}"}
    message = EmailMultiAlternatives(
        subject=subject, to=recipients(schedule),
        body=render_to_string("reports/scheduled.txt", context))
    message.attach_alternative(render_to_string("reports/scheduled.html", context),
                               "text/html")
    with export.xlsx_file(columns, rows, title=schedule.name) as sheet:
        message.attach(f"report-{start}-{end}.xlsx", sheet.read(),
                       "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    return message


@task()
def send_report(schedule_id: int, start: str, end: str) -> None:
    schedule = Schedule.objects.select_related("created_by").filter(pk=schedule_id).first()
    if schedule is None:
        return  # deleted since it was claimed
    language = getattr(schedule.created_by, "language", "") or settings.LANGUAGE_CODE
    try:
        with translation.override(language):
            build(schedule, start=date.fromisoformat(start),
                  end=date.fromisoformat(end)).send()
    except Exception as exc:  # kept on the schedule for the lead to see, and logged
        logger.exception("scheduled report %s failed", schedule_id)
        Schedule.objects.filter(pk=schedule_id).update(
            last_error=(f"{exc.__class__.__name__}: {exc}")[:1000])
        return
    Schedule.objects.filter(pk=schedule_id).update(last_sent_at=timezone.now(), last_error="")
