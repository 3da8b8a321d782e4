"""The columns of each report as people read them: one definition for the screens, the
exports and the scheduled emails."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from helpwire.reports.facts import zone
from helpwire.reports.models import Metric
from helpwire.sla.clock import hours_minutes
from helpwire.tickets.models import Ticket

TOTAL = _("Total")
OVERVIEW_TITLE = _("Overview")
TICKETS_TITLE = _("Tickets")
TAGS_TITLE = _("Tag set")

OVERVIEW = [
    ("label", _("Period")), ("created", pgettext_lazy("report", "Created")),
    ("solved", pgettext_lazy("report", "Solved")),
    ("replies", _("Replies")),
    ("first_reply_median_s", _("First reply, median (working s)")),
    ("first_reply_median_calendar_s", _("First reply, median (calendar s)")),
    ("first_reply_avg_s", _("First reply, average (working s)")),
    ("next_reply_median_s", _("Next reply, median (working s)")),
    ("resolution_median_s", _("Resolution, median (working s)")),
    ("resolution_median_calendar_s", _("Resolution, median (calendar s)")),
    ("resolution_avg_s", _("Resolution, average (working s)")),
    ("reopened", _("Reopened")), ("one_touch_pct", _("One-touch, %")),
    ("sla_met", _("SLA met")), ("sla_breached", _("SLA breached")),
    ("sla_met_pct", _("SLA met, %")), ("csat_pct", _("CSAT, %")), ("good", _("Good")),
    ("normal", _("Normal")), ("bad", _("Bad")),
]

SLA = [
    ("target_label", _("Target")), ("responses_met", _("Responses in time")),
    ("responses_breached", _("Responses late")), ("responses_met_pct", _("Responses in time, %")),
    ("tickets_met", _("Tickets in time")), ("tickets_breached", _("Tickets late")),
    ("tickets_met_pct", _("Tickets in time, %")),
]

TICKETS = [
    ("number", _("Number")), ("subject", _("Subject")), ("status", _("Status")),
    ("created", _("Created")), ("assignee", _("Assignee")), ("group", _("Group")),
    ("channel", _("Channel")),
]


def ordered(qs: QuerySet[Ticket]) -> QuerySet[Ticket]:
    return qs.select_related("assignee", "group", "channel").order_by("-created_at", "-id")


def ticket_rows(qs: QuerySet[Ticket] | Iterable[Ticket]) -> Iterator[dict[str, Any]]:
    """A drill-down's tickets (``ordered``), read in chunks so any number of them streams."""
    tz = zone()
    for t in qs.iterator(chunk_size=2000) if isinstance(qs, QuerySet) else qs:
        yield {"number": t.number, "subject": t.subject, "status": t.get_status_display(),
               "created": timezone.localtime(t.created_at, tz).strftime("%Y-%m-%d %H:%M"),
               "assignee": t.assignee.name if t.assignee else "",
               "group": t.group.name if t.group else "", "channel": t.channel.name}


# The figures a lead reads first, on the screen and in the scheduled email: (figure, the
# metric a click drills into, how it is shown).
HEADLINE = [
    ("created", Metric.CREATED, "count"), ("solved", Metric.SOLVED, "count"),
    ("replies", Metric.REPLIES, "count"), ("first_reply_median_s", Metric.FIRST_REPLY, "time"),
    ("resolution_median_s", Metric.RESOLUTION, "time"),
    ("sla_met_pct", Metric.SLA_BREACHED, "pct"), ("csat_pct", None, "pct"),
    ("good", Metric.GOOD, "count"), ("normal", Metric.NORMAL, "count"),
    ("bad", Metric.BAD, "count"),
]
HEADINGS = {**dict(OVERVIEW), "first_reply_median_s": _("First reply (median)"),
            "resolution_median_s": _("Resolution (median)")}


def shown(value: Any, kind: str) -> str:
    """A figure as people read it: working time as h:mm, shares with a %."""
    if value is None:
        return "—"
    if kind == "time":
        return hours_minutes(value)
    if kind == "pct":
        return f"{value:.1f} %"
    return str(value)


def change(now: Any, before: Any) -> str:
    if now is None or before in (None, 0):
        return ""
    return f"{(now - before) / before * 100:+.0f} %"


def summary(total: dict[str, Any], before: dict[str, Any]) -> list[dict[str, Any]]:
    """The headline figures beside the period before (shares compare by themselves)."""
    return [{"field": field, "metric": metric, "heading": HEADINGS[field],
             "now": shown(total.get(field), kind), "before": shown(before.get(field), kind),
             "change": change(total.get(field), before.get(field)) if kind != "pct" else "",
             "average": shown(total.get(field.replace("_median_", "_avg_")), kind)
             if kind == "time" else ""}
            for field, metric, kind in HEADLINE]


def tag_columns(weeks: dict[str, Any]) -> list[tuple[str, object]]:
    return [("tag", _("Tag")), *((w["key"], w["label"]) for w in weeks["weeks"]),
            ("total", _("Total"))]


def tag_rows(weeks: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"tag": r["tag"], "total": r["total"],
             **{c["week"]: c["created"] for c in r["weeks"]}} for r in weeks["rows"]]
