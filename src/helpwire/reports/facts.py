"""Per-ticket facts, computed when things happen [RP2].

A ticket's facts are a pure function of its history (messages, status changes, SLA records,
ratings): ``compute`` derives them, ``sync`` stores the difference from what is stored and
appends the matching ±1 rows to the daily rollup, in the transaction that changed the
ticket. ``helpwire reports rebuild`` runs the same ``compute`` over every ticket, so a figure
written at event time and one rebuilt from history never disagree.

Definitions (Zendesk's and Usedesk's, so leads recognise them):
- first reply: from creation to the first public reply an agent wrote (auto-replies, rule
  replies and notes are no replies), for tickets the client opened; belongs to the replier;
- next reply: from the client's oldest unanswered message to the agent's next public reply,
  after the first reply; belongs to the replier;
- first resolution: creation → first solve; full resolution and "solved": creation → last
  solve, for tickets solved or closed now; reopened: each solved → not solved;
- replies: each public reply an agent wrote, belonging to him;
- one-touch: solved with exactly one public agent reply;
- SLA met / breached: one per SLA record (target and cycle) [SL2];
- ratings: one per grade given and not excluded, belonging to the rated agent.
Tickets out of statistics (spam, merged, mailing) have no facts.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models, transaction
from django_tasks import task

from helpwire.accounts.models import Group
from helpwire.calendars import schedule
from helpwire.calendars.selectors import spec_for
from helpwire.clients.models import Client
from helpwire.core import events
from helpwire.core.actors import ActorKind
from helpwire.core.models import Event
from helpwire.reports import buckets
from helpwire.reports.models import (
    DIMENSIONS,
    RATING_EXCLUDED,
    RATING_RECEIVED,
    TIMED,
    TOTAL_DIMS,
    Daily,
    Fact,
    Metric,
    Rating,
    Spread,
    Total,
)
from helpwire.sla.models import SlaRecord
from helpwire.sla.tracking import SLA_BREACHED
from helpwire.tickets.models import (
    UNCOUNTED_STATUSES,
    Change,
    Message,
    MessageKind,
    Status,
    Ticket,
)

DONE = (Status.SOLVED, Status.CLOSED)
# After the SLA clocks (order 40), so the SLA records of the same write are there.
_ORDER = 60
_WATCHED = {"status", "assignee", "group", "priority", "channel", "client", "is_internal"}


@dataclass(frozen=True)
class Row:
    metric: str
    day: date
    at: datetime
    value_s: int | None
    calendar_s: int | None
    target: str
    agent_key: int
    group_key: int
    channel_key: int
    company_key: int
    priority: str
    internal: bool


@dataclass
class History:
    """What ``compute`` needs of one ticket, loaded in bulk."""

    ticket: Ticket
    company_id: int | None
    calendar_id: int | None
    # (at, kind, actor_kind, agent id, automatic), in time order
    messages: list[tuple[datetime, str, str, int | None, bool]]
    statuses: list[tuple[datetime, str, str, int | None]]  # (at, old, new, by agent)
    sla: list[tuple[datetime, str, str]]  # (at, target, outcome)
    ratings: list[tuple[datetime, str, int | None]]  # (rated at, grade, agent id)


def zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


class Clock:
    """Working and calendar seconds between two instants, one calendar per group."""

    def __init__(self) -> None:
        self._specs: dict[int | None, schedule.Spec] = {}

    def spec(self, calendar_id: int | None) -> schedule.Spec:
        if calendar_id not in self._specs:
            self._specs[calendar_id] = spec_for(calendar_id=calendar_id)
        return self._specs[calendar_id]

    def between(self, calendar_id: int | None, since: datetime, until: datetime
                ) -> tuple[int, int]:
        if until <= since:
            return 0, 0
        spec = self.spec(calendar_id)
        working = (until - since).total_seconds() if spec is schedule.ALWAYS \
            else schedule.working_seconds(spec, since, until)
        return round(working), round((until - since).total_seconds())


def compute(h: History, *, clock: Clock, tz: ZoneInfo) -> list[Row]:
    t = h.ticket
    if t.status in UNCOUNTED_STATUSES:
        return []
    group, channel, company = t.group_id or 0, t.channel_id, h.company_id or 0
    rows: list[Row] = []

    def add(metric: str, at: datetime, *, since: datetime | None = None, agent: int | None,
            target: str = "") -> None:
        value, calendar = clock.between(h.calendar_id, since, at) if since else (None, None)
        rows.append(Row(metric=metric, day=at.astimezone(tz).date(), at=at, value_s=value,
                        calendar_s=calendar, target=target, agent_key=agent or 0,
                        group_key=group, channel_key=channel, company_key=company,
                        priority=t.priority, internal=t.is_internal))

    assignee = t.assignee_id
    add(Metric.CREATED, t.created_at, agent=assignee)
    replies = 0
    opened_by_client = bool(h.messages) and h.messages[0][1] == MessageKind.INBOUND
    first_done = False
    waiting: datetime | None = None
    for at, kind, actor_kind, agent, automatic in h.messages:
        if kind == MessageKind.INBOUND:
            waiting = waiting or at
        elif kind == MessageKind.OUTBOUND and actor_kind == ActorKind.AGENT and not automatic:
            replies += 1
            add(Metric.REPLIES, at, agent=agent)
            if not first_done:
                first_done = True
                if opened_by_client:
                    add(Metric.FIRST_REPLY, at, since=t.created_at, agent=agent)
            elif waiting is not None:
                add(Metric.REPLY, at, since=waiting, agent=agent)
            waiting = None

    # A solve belongs to the assignee, or to whoever solved an unassigned ticket.
    solves = [(at, assignee or by) for at, old, new, by in h.statuses
              if new in DONE and old not in DONE]
    for at, old, new, _by in h.statuses:
        if old in DONE and new not in DONE and new not in UNCOUNTED_STATUSES:
            add(Metric.REOPENED, at, agent=assignee)
    if not solves and t.status in DONE and t.solved_at:
        solves = [(t.solved_at, assignee)]
    if solves:
        add(Metric.FIRST_RESOLUTION, solves[0][0], since=t.created_at, agent=solves[0][1])
    if solves and t.status in DONE:
        last, solver = solves[-1]
        add(Metric.SOLVED, last, agent=solver)
        add(Metric.RESOLUTION, last, since=t.created_at, agent=solver)
        if replies == 1:
            add(Metric.ONE_TOUCH, last, agent=solver)
    for at, target, outcome in h.sla:
        add(Metric.SLA_MET if outcome == "met" else Metric.SLA_BREACHED, at, agent=assignee,
            target=target)
    for at, grade, agent in h.ratings:
        add(grade, at, agent=agent)
    return rows


def load(ticket_ids: Iterable[int]) -> list[History]:
    """The histories of these tickets, in seven small queries."""
    ids = list(ticket_ids)
    # Companies and calendars by their own small lookups: joined, a planner without
    # statistics (right after a bulk load) walks every client for a batch of tickets.
    tickets = list(Ticket.objects.filter(pk__in=ids).only(
        "id", "status", "created_at", "solved_at", "assignee_id", "group_id", "channel_id",
        "priority", "is_internal", "client_id"))
    companies = dict(Client.objects.filter(pk__in={t.client_id for t in tickets})
                     .values_list("pk", "company_id"))
    calendars = dict(Group.objects.values_list("pk", "calendar_id"))
    messages: dict[int, list[tuple[datetime, str, str, int | None, bool]]] = defaultdict(list)
    for tid, at, kind, actor_kind, agent, meta in (
            Message.objects.filter(ticket_id__in=ids)
            .exclude(kind=MessageKind.SYSTEM).order_by("created_at", "id")
            .values_list("ticket_id", "created_at", "kind", "actor_kind", "actor_agent_id",
                         "meta")):
        messages[tid].append((at, kind, actor_kind, agent, bool((meta or {}).get("automatic"))))
    statuses: dict[int, list[tuple[datetime, str, str, int | None]]] = defaultdict(list)
    for tid, at, old, new, by in (Change.objects.filter(ticket_id__in=ids, field="status")
                                  .order_by("created_at", "id")
                                  .values_list("ticket_id", "created_at", "old", "new",
                                               "actor_agent_id")):
        statuses[tid].append((at, old, new, by))
    sla: dict[int, list[tuple[datetime, str, str]]] = defaultdict(list)
    for tid, at, target, outcome in (SlaRecord.objects.filter(ticket_id__in=ids)
                                     .values_list("ticket_id", "at", "metric", "outcome")):
        sla[tid].append((at, target, outcome))
    ratings: dict[int, list[tuple[datetime, str, int | None]]] = defaultdict(list)
    rated = Rating.objects.filter(ticket_id__in=ids).values_list(
        "ticket_id", "rated_at", "grade", "agent_id", "excluded")
    for tid, rated_at, grade, rated_agent, excluded in rated:
        if rated_at is not None and grade and not excluded:
            ratings[tid].append((rated_at, grade, rated_agent))
    return [History(ticket=t, company_id=companies.get(t.client_id),
                    calendar_id=calendars.get(t.group_id) if t.group_id else None,
                    messages=messages[t.pk], statuses=statuses[t.pk], sla=sla[t.pk],
                    ratings=ratings[t.pk]) for t in tickets]


def key(row: Row) -> tuple[object, ...]:
    """The row's ``Daily`` key, in the order of ``DIMENSIONS``."""
    return (row.metric, row.day, row.target, row.agent_key, row.group_key, row.channel_key,
            row.priority, row.internal)


# key() and Rollup.add spell these out (a generic getattr loop was a tenth of a rebuild).
assert tuple(TOTAL_DIMS) == ("", "agent", "group", "channel")
assert DIMENSIONS == ("metric", "day", "target", "agent_key", "group_key", "channel_key",
                      "priority", "internal")


class Rollup:
    """Counts and sums of facts that came (+1) and went (-1), per ``Daily`` key and per
    ``Total`` key (each fact once for everything and once per dimension), and the
    durations' buckets (``Spread``)."""

    def __init__(self) -> None:
        self.daily: dict[tuple[object, ...], list[int]] = defaultdict(lambda: [0, 0, 0])
        self.total: dict[tuple[object, ...], list[int]] = defaultdict(lambda: [0, 0, 0])
        self.spread: Counter[tuple[str, date, bool, int]] = Counter()

    def add(self, rows: Iterable[Row], sign: int = 1) -> Rollup:
        daily, total = self.daily, self.total
        for row in rows:
            value, calendar = sign * (row.value_s or 0), sign * (row.calendar_s or 0)
            metric, day = row.metric, row.day
            for cell in (daily[key(row)], total[(metric, day, "", 0)],
                         total[(metric, day, "agent", row.agent_key)],
                         total[(metric, day, "group", row.group_key)],
                         total[(metric, day, "channel", row.channel_key)]):
                cell[0] += sign
                cell[1] += value
                cell[2] += calendar
            if row.metric in TIMED:
                self.spread[(row.metric, row.day, False, buckets.of(row.value_s or 0))] += sign
                self.spread[(row.metric, row.day, True, buckets.of(row.calendar_s or 0))] += sign
        return self

    def rows(self, *, folded: bool = False) -> Iterator[tuple[type[models.Model],
                                                              dict[str, object]]]:
        """(model, column values) of every cell that is not zero."""
        for k, (n, s, cs) in self.daily.items():
            if n or s or cs:
                yield Daily, {**dict(zip(DIMENSIONS, k, strict=True)), "count": n, "sum_s": s,
                              "sum_calendar_s": cs, "folded": folded}
        for (metric, day, dim, dim_key), (n, s, cs) in self.total.items():
            if n or s or cs:
                yield Total, {"metric": metric, "day": day, "dim": dim, "key": dim_key,
                              "count": n, "sum_s": s, "sum_calendar_s": cs, "folded": folded}
        for (metric, day, calendar, bucket), n in self.spread.items():
            if n:
                yield Spread, {"metric": metric, "day": day, "calendar": calendar,
                               "bucket": bucket, "count": n, "folded": folded}

    def save(self) -> None:
        by: dict[type[models.Model], list[models.Model]] = defaultdict(list)
        for model, values in self.rows():
            by[model].append(model(**values))
        for model, objs in by.items():
            model._default_manager.bulk_create(objs)


def fact(ticket_id: int, row: Row) -> Fact:
    return Fact(ticket_id=ticket_id, metric=row.metric, day=row.day, at=row.at,
                value_s=row.value_s, calendar_s=row.calendar_s, target=row.target,
                agent_key=row.agent_key, group_key=row.group_key, channel_key=row.channel_key,
                company_key=row.company_key, priority=row.priority, internal=row.internal)


def _row(f: Fact) -> Row:
    return Row(metric=f.metric, day=f.day, at=f.at, value_s=f.value_s, calendar_s=f.calendar_s,
               target=f.target, agent_key=f.agent_key, group_key=f.group_key,
               channel_key=f.channel_key, company_key=f.company_key, priority=f.priority,
               internal=f.internal)


def sync(ticket_id: int) -> None:
    """Bring one ticket's stored facts in line with its history (inside the transaction
    that changed it, which holds the ticket's lock)."""
    found = load([ticket_id])
    wanted = Counter(compute(found[0], clock=Clock(), tz=zone())) if found else Counter()
    stored = list(Fact.objects.filter(ticket_id=ticket_id))
    have = Counter(_row(f) for f in stored)
    if have == wanted:
        return
    removed, added = list((have - wanted).elements()), list((wanted - have).elements())
    left = Counter(removed)
    drop: list[int] = []
    for f in stored:
        r = _row(f)
        if left[r] > 0:
            left[r] -= 1
            drop.append(f.pk)
    Fact.objects.filter(pk__in=drop).delete()
    Fact.objects.bulk_create([fact(ticket_id, r) for r in added])
    Rollup().add(added).add(removed, -1).save()


def _on_event(event: Event) -> None:
    if event.ticket_id is None:
        return
    if event.kind == events.TICKET_CHANGED and not _WATCHED & set(
            event.payload.get("changes") or {}):
        return
    if event.kind == events.MESSAGE_ADDED and event.payload.get("message_kind") == \
            MessageKind.NOTE:
        return
    sync(event.ticket_id)


@task()
def refile_client(client_id: int) -> None:
    """A client's tickets' facts again after his company changed (a company filter reads
    it from the facts), each ticket locked in its own transaction: ticket first."""
    for ticket_id in (Ticket.objects.filter(client_id=client_id).order_by("pk")
                      .values_list("pk", flat=True).iterator(chunk_size=500)):
        with transaction.atomic():
            if list(Ticket.objects.select_for_update().filter(pk=ticket_id).values("pk")):
                sync(ticket_id)


@events.in_transaction(events.CLIENT_CHANGED, order=_ORDER)
def _on_client_changed(event: Event) -> None:
    if "company" in (event.payload.get("fields") or []):
        transaction.on_commit(partial(refile_client.enqueue, int(event.payload["client_id"])))


@events.in_transaction(events.CLIENT_MERGED, order=_ORDER)
def _on_client_merged(event: Event) -> None:
    transaction.on_commit(partial(refile_client.enqueue, int(event.payload["target_id"])))


for _kind in (events.TICKET_CREATED, events.MESSAGE_RECEIVED, events.MESSAGE_ADDED,
              events.TICKET_CHANGED, events.TICKET_MERGED, SLA_BREACHED, RATING_RECEIVED,
              RATING_EXCLUDED):
    events.in_transaction(_kind, order=_ORDER)(_on_event)
