"""Reading the figures [RP2–RP6]: counts and sums from the daily rollup (or from the facts
when a filter needs the ticket: a tag or a company), medians from the facts. Nothing here
walks tickets or messages: every figure was computed when its event happened."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils.translation import gettext as _

from helpwire.accounts.models import Agent, Group
from helpwire.connectors.models import Channel
from helpwire.reports import medians, spread
from helpwire.reports.facts import zone
from helpwire.reports.models import TIMED, Daily, Fact, Formula, Metric, Snapshot, Total
from helpwire.reports.ratings import current
from helpwire.tickets import tags as tag_tree
from helpwire.tickets.filters import TicketFilter
from helpwire.tickets.models import Tag, Ticket

TIME_GROUPS = ("day", "week", "month")
GROUPS = (*TIME_GROUPS, "agent", "group", "channel", "tag")
_KEY_FIELD = {"agent": "agent_key", "group": "group_key", "channel": "channel_key"}
COUNTED = (Metric.CREATED, Metric.SOLVED, Metric.REPLIES, Metric.REOPENED, Metric.ONE_TOUCH,
           Metric.SLA_MET, Metric.SLA_BREACHED, Metric.GOOD, Metric.NORMAL, Metric.BAD)
# Medians need every value of the period: kept to the two a lead reads first (the others
# have averages from the rollup).
MEDIANS = (Metric.FIRST_REPLY, Metric.RESOLUTION)


@dataclass(frozen=True)
class ReportFilter:
    """One report's period (days in the instance's time zone, both inclusive), grouping
    and filters; the same for the screen, the API, exports and scheduled reports."""

    start: date
    end: date
    group_by: str = "day"
    channel: int | None = None
    group: int | None = None
    agent: int | None = None  # 0: nobody
    tag: Tag | None = None  # with its subtree
    company: int | None = None
    priority: str | None = None
    internal: bool | None = None

    def q(self) -> Q:
        """The filter over facts or rollup rows (the columns they share)."""
        q = Q(day__gte=self.start, day__lte=self.end)
        for name, value in (("channel_key", self.channel), ("group_key", self.group),
                            ("agent_key", self.agent), ("priority", self.priority),
                            ("internal", self.internal)):
            if value is not None:
                q &= Q(**{name: value})
        return q

    @property
    def needs_facts(self) -> bool:
        return self.tag is not None or self.company is not None or self.group_by == "tag"

    def previous(self) -> ReportFilter:
        """The period of the same length just before."""
        length = (self.end - self.start).days + 1
        return replace(self, start=self.start - timedelta(days=length),
                       end=self.start - timedelta(days=1))

    def bounds(self) -> tuple[datetime, datetime]:
        """The period as instants: from the first day's midnight to the next day's after
        the last."""
        tz = zone()
        return (datetime.combine(self.start, time.min, tz),
                datetime.combine(self.end + timedelta(days=1), time.min, tz))

    def ticket_filter(self) -> TicketFilter:
        """The ticket list's filter for the same days (by creation) and filters."""
        after, before = self.bounds()
        return TicketFilter(channel=self.channel, group=self.group,
                            assignee=None if self.agent is None else str(self.agent or "none"),
                            tag=str(self.tag.pk) if self.tag else None, company=self.company,
                            priority=[self.priority] if self.priority else [],
                            created_after=after, created_before=before)


def _facts(f: ReportFilter, metrics: Iterable[str]) -> QuerySet[Fact]:
    qs = Fact.objects.filter(f.q(), metric__in=list(metrics))
    if f.company is not None:
        qs = qs.filter(company_key=f.company)
    if f.tag is not None:
        tagged = Ticket.tags.through.objects.filter(
            tag_id__in=tag_tree.subtree(f.tag).values("pk")).values("ticket_id")
        qs = qs.filter(ticket_id__in=tagged)
    return qs


def _bucket_field(group_by: str | None) -> str | None:
    if group_by is None:
        return None
    if group_by in TIME_GROUPS:
        return "day"
    if group_by == "tag":
        return "ticket__tags"
    return _KEY_FIELD[group_by]


def bucket_of(group_by: str | None, value: Any) -> Any:
    """A day, or a dimension's key, to the row key it belongs to."""
    if group_by is None:
        return "total"
    if group_by == "week":
        return (value - timedelta(days=value.weekday())).isoformat()
    if group_by == "month":
        return value.strftime("%Y-%m")
    if group_by == "day":
        return value.isoformat()
    return value or 0


Counts = dict[Any, dict[str, list[int]]]  # bucket → metric → [count, sum_s, sum_calendar_s]


def _from_totals(f: ReportFilter, group_by: str | None
                 ) -> tuple[QuerySet[Total], str | None] | None:
    """The ``Total`` rows that answer this report, and the column that keys its rows; None
    when it needs the full rollup (two filters, a priority, a filter and a dimension)."""
    if f.needs_facts or f.priority is not None or f.internal is not None:
        return None
    chosen = [(d, getattr(f, d)) for d in ("agent", "group", "channel")
              if getattr(f, d) is not None]
    timed = group_by is None or group_by in TIME_GROUPS
    qs = Total.objects.filter(day__gte=f.start, day__lte=f.end)
    if len(chosen) > 1 or (chosen and not timed):
        return None
    if chosen:
        qs = qs.filter(dim=chosen[0][0], key=chosen[0][1])
    else:
        qs = qs.filter(dim="" if timed else group_by)
    return qs, ("day" if group_by in TIME_GROUPS else None if timed else "key")


def counts(f: ReportFilter, group_by: str | None) -> Counts:
    metrics = [*COUNTED, *TIMED]
    totals = _from_totals(f, group_by)
    if totals is not None:
        qs, field = totals
        names = ["metric", *([field] if field else [])]
        rows = (qs.filter(metric__in=metrics).values(*names)
                .annotate(n=Sum("count"), s=Sum("sum_s"), cs=Sum("sum_calendar_s")).order_by())
    else:
        field = _bucket_field(group_by)
        names = ["metric", *([field] if field else [])]
        if f.needs_facts:
            rows = (_facts(f, metrics).values(*names)
                    .annotate(n=Count("id"), s=Sum("value_s"), cs=Sum("calendar_s"))
                    .order_by())
        else:
            rows = (Daily.objects.filter(f.q(), metric__in=metrics).values(*names)
                    .annotate(n=Sum("count"), s=Sum("sum_s"), cs=Sum("sum_calendar_s"))
                    .order_by())
    out: Counts = defaultdict(lambda: defaultdict(lambda: [0, 0, 0]))
    for row in rows:
        cell = out[bucket_of(group_by, row[field] if field else None)][row["metric"]]
        cell[0] += row["n"] or 0
        cell[1] += row["s"] or 0
        cell[2] += row["cs"] or 0
    return out


def _to_bucket(group_by: str | None) -> Any:
    """Turn what the database hands back (a date, or a date as text on SQLite, or a key)
    into the row key."""
    def convert(raw: Any) -> Any:
        if group_by in TIME_GROUPS and isinstance(raw, str):
            raw = date.fromisoformat(raw[:10])
        if isinstance(raw, datetime):
            raw = raw.date()
        return bucket_of(group_by, raw)
    return convert


def durations(f: ReportFilter, group_by: str | None, *, with_total: bool = True
              ) -> tuple[medians.Medians, dict[str, medians.Pair]]:
    """Exact medians of the timed metrics, per row and for the period: through the
    spread for the unfiltered ones by time (a lead's weekly and yearly views), else from
    every value."""
    unfiltered = not f.needs_facts and all(
        getattr(f, name) is None for name in ("channel", "group", "agent", "priority",
                                              "internal"))
    if unfiltered and (group_by is None or group_by in TIME_GROUPS):
        found = spread.medians(start=f.start, end=f.end, metrics=MEDIANS, group=group_by,
                               row_of=_to_bucket(group_by), with_total=with_total)
        if found is not None:
            return found
    return medians.medians(_facts(f, MEDIANS), metrics=MEDIANS, field=_bucket_field(group_by),
                           time_group=group_by if group_by in TIME_GROUPS else None,
                           to_bucket=_to_bucket(group_by), with_total=with_total)


def _pct(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def figures(c: dict[str, list[int]], v: dict[str, medians.Pair], *,
            formula: str) -> dict[str, Any]:
    """One row's numbers, in the API's names."""
    def n(metric: str) -> int:
        return c[metric][0] if metric in c else 0

    good, normal, bad = n(Metric.GOOD), n(Metric.NORMAL), n(Metric.BAD)
    csat_whole = good + bad if formula == Formula.GOOD_BAD else good + normal + bad
    met, breached = n(Metric.SLA_MET), n(Metric.SLA_BREACHED)
    row: dict[str, Any] = {
        "created": n(Metric.CREATED), "solved": n(Metric.SOLVED), "replies": n(Metric.REPLIES),
        "reopened": n(Metric.REOPENED), "one_touch": n(Metric.ONE_TOUCH),
        "one_touch_pct": _pct(n(Metric.ONE_TOUCH), n(Metric.SOLVED)),
        "sla_met": met, "sla_breached": breached, "sla_met_pct": _pct(met, met + breached),
        "csat_pct": _pct(good, csat_whole), "good": good, "normal": normal, "bad": bad,
    }
    for metric, name in ((Metric.FIRST_REPLY, "first_reply"), (Metric.REPLY, "next_reply"),
                         (Metric.FIRST_RESOLUTION, "first_resolution"),
                         (Metric.RESOLUTION, "resolution")):
        if metric in MEDIANS:
            row[f"{name}_median_s"], row[f"{name}_median_calendar_s"] = v.get(
                metric, (None, None))
        count, total, total_cal = c.get(metric, [0, 0, 0])
        row[f"{name}_avg_s"] = round(total / count) if count else None
        row[f"{name}_avg_calendar_s"] = round(total_cal / count) if count else None
    return row


def _labels(group_by: str, keys: Iterable[Any]) -> dict[Any, str]:
    ids = [k for k in keys if isinstance(k, int) and k]
    names: dict[Any, str] = {}
    if group_by == "agent":
        names = dict(Agent.objects.filter(pk__in=ids).values_list("pk", "name"))
        names[0] = _("Nobody")
    elif group_by == "group":
        names = dict(Group.objects.filter(pk__in=ids).values_list("pk", "name"))
        names[0] = _("No group")
    elif group_by == "channel":
        names = dict(Channel.objects.filter(pk__in=ids).values_list("pk", "name"))
    elif group_by == "tag":
        names = dict(Tag.objects.filter(pk__in=ids).values_list("pk", "path"))
        names[0] = _("No tags")
    return names


def _time_keys(f: ReportFilter) -> list[str]:
    """Every day, week or month of the period, so empty ones show as zeros."""
    keys: list[str] = []
    day = f.start
    while day <= f.end:
        key = bucket_of(f.group_by, day)
        if not keys or keys[-1] != key:
            keys.append(key)
        day += timedelta(days=1)
    return keys


def _time_label(group_by: str, key: str) -> str:
    if group_by == "week":
        monday = date.fromisoformat(key)
        return f"{monday:%d.%m} – {monday + timedelta(days=6):%d.%m.%Y}"
    if group_by == "month":
        return f"{key[5:]}.{key[:4]}"
    return f"{date.fromisoformat(key):%d.%m.%Y}"


def overview(f: ReportFilter) -> dict[str, Any]:
    """``{"rows": [...], "total": {...}}`` in the API's shape."""
    formula = current().formula
    by_c = counts(f, f.group_by)
    # A ticket with two tags is in two rows and once in the total.
    by_tag = f.group_by == "tag"
    by_v, total_v = durations(f, f.group_by, with_total=not by_tag)
    if by_tag:
        total_c, total_v = counts(f, None)["total"], durations(f, None)[1]
    else:
        total_c = defaultdict(lambda: [0, 0, 0])
        for cells in by_c.values():
            for metric, (n, s, cs) in cells.items():
                cell = total_c[metric]
                cell[0] += n
                cell[1] += s
                cell[2] += cs
    if f.group_by in TIME_GROUPS:
        keys: list[Any] = _time_keys(f)
        labels = {k: _time_label(f.group_by, k) for k in keys}
    else:
        keys = sorted(set(by_c) | set(by_v), key=lambda k: (k == 0, k))
        labels = _labels(f.group_by, keys)
    rows = [{"key": k, "label": labels.get(k, str(k)),
             **figures(by_c.get(k, {}), by_v.get(k, {}), formula=formula)} for k in keys]
    return {"rows": rows, "total": figures(total_c, total_v, formula=formula)}


def _days_of(group_by: str, key: str) -> tuple[date, date]:
    """The first and last day of a day, week or month row (``bucket_of`` backwards)."""
    if group_by == "day":
        day = date.fromisoformat(key)
        return day, day
    if group_by == "week":
        monday = date.fromisoformat(key)
        return monday, monday + timedelta(days=6)
    first = date.fromisoformat(f"{key}-01")
    following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return first, following - timedelta(days=1)


def drill(f: ReportFilter, *, metric: str, key: Any = None) -> QuerySet[Ticket]:
    """The tickets behind one number: ``metric`` in the row ``key`` (None: the total)."""
    qs = _facts(f, [metric])
    if key not in (None, "", "total"):
        if f.group_by in TIME_GROUPS:
            start, end = _days_of(f.group_by, key)
            qs = qs.filter(day__gte=start, day__lte=end)
        elif f.group_by == "tag":
            qs = qs.filter(ticket__tags=int(key))
        else:
            qs = qs.filter(**{_KEY_FIELD[f.group_by]: int(key)})
    return Ticket.objects.filter(pk__in=qs.values("ticket_id"))


def sla_report(f: ReportFilter) -> list[dict[str, Any]]:
    """Per SLA target: met and breached by responses (each clock) and by tickets (a ticket
    with any breach of the target is breached), with the shares [RP2]."""
    late = Q(metric=Metric.SLA_BREACHED)
    rows = (_facts(f, [Metric.SLA_MET, Metric.SLA_BREACHED]).values("target")
            .annotate(met=Count("id", filter=~late), breached=Count("id", filter=late),
                      tickets=Count("ticket_id", distinct=True),
                      late_tickets=Count("ticket_id", distinct=True, filter=late))
            .order_by("target"))
    return [{"target": r["target"], "responses_met": r["met"],
             "responses_breached": r["breached"],
             "responses_met_pct": _pct(r["met"], r["met"] + r["breached"]),
             "tickets_met": r["tickets"] - r["late_tickets"],
             "tickets_breached": r["late_tickets"],
             "tickets_met_pct": _pct(r["tickets"] - r["late_tickets"], r["tickets"])}
            for r in rows]


def tag_weeks(f: ReportFilter, tags: list[Tag]) -> dict[str, Any]:
    """Tickets created per tag (with its subtree) and week, with the change from the week
    before [RP3]."""
    weeks = _time_keys(replace(f, group_by="week"))
    start = date.fromisoformat(weeks[0]) - timedelta(days=7)
    rows = []
    for tag in tags:
        per = counts(replace(f, start=start, tag=tag, group_by="week"), "week")
        series = [per.get(w, {}).get(Metric.CREATED, [0])[0] for w in
                  [start.isoformat(), *weeks]]
        cells = [{"week": w, "created": series[i + 1], "change": series[i + 1] - series[i],
                  "change_pct": _pct(series[i + 1] - series[i], series[i])}
                 for i, w in enumerate(weeks)]
        rows.append({"tag": tag.path, "tag_id": tag.pk, "weeks": cells,
                     "total": sum(series[1:])})
    return {"weeks": [{"key": w, "label": _time_label("week", w)} for w in weeks],
            "rows": rows}


def backlog(f: ReportFilter) -> dict[str, int] | None:
    """Open, pending and on-hold tickets at the end of the period's last day (the nightly
    snapshot), with the group, agent and channel filters; None before any snapshot."""
    qs = Snapshot.objects.filter(day=f.end)
    for column, value in (("group_key", f.group), ("agent_key", f.agent),
                          ("channel_key", f.channel)):
        if value is not None:
            qs = qs.filter(**{column: value})
    if not Snapshot.objects.filter(day=f.end).exists():
        return None
    counted = dict(qs.values_list("status").annotate(n=Sum("count")).order_by())
    return {status: counted.get(status, 0) for status in ("open", "pending", "on_hold")}
