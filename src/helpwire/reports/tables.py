"""The columns of each report as people read them: one definition for the screens, the
exports and the scheduled emails."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from helpwire.reports.facts import zone
from helpwire.tickets.models import Ticket

TOTAL = _("Total")
OVERVIEW_TITLE = _("Overview")
TICKETS_TITLE = _("Tickets")

OVERVIEW = [
    ("label", _("Period")), ("created", _("Created")), ("solved", _("Solved")),
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
