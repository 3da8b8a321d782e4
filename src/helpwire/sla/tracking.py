"""Each ticket's SLA clocks, kept in step with what happens to it [SL2 SL4].

In-transaction hooks on the bus (order 40: before the rules, so a rule sees the clocks of
the event that set it off) move the clocks:

* a new ticket starts first response and resolution under its group's policy, else the
  default one;
* a client writing after an answer starts a next-response cycle;
* a human's public reply (a private note too when the policy says so) meets first response
  and the running next response; automatic replies never do;
* entering a pausing status (pending, on hold by default) opens a pause, leaving it closes
  the pause; solving or closing meets resolution, reopening runs it on;
* a change of group switches to the new group's policy when the policy came from the group
  (measured from the original start: ``sla.clock`` reads the same history), and a change of
  priority to the new targets.

Then ``refresh`` stores ``due_at`` and ``breached`` (lists, the Overdue queue) and lays one
warning and one breach timer per running clock (``sla.warning`` / ``sla.breach``), writing
only those that moved. A timer that comes due re-reads the clock under the ticket's lock
and announces the warning or the breach once per cycle (``marks``): ``sla.warning`` and
``sla.breached`` events that rules act on. A clock met or paused in time announces nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from helpwire.calendars import schedule
from helpwire.calendars import selectors as calendar_selectors
from helpwire.core import events, timers
from helpwire.core.actors import Actor, ActorKind
from helpwire.core.models import Event, Timer
from helpwire.sla import clock as c
from helpwire.sla.models import (
    METRICS,
    GroupPolicy,
    Outcome,
    SlaPolicy,
    SlaRecord,
    Source,
    TicketSla,
)
from helpwire.tickets import filters as ticket_filters
from helpwire.tickets import selectors
from helpwire.tickets.models import FINISHED, Change, MessageKind, Status, Ticket

WARNING_TIMER, BREACH_TIMER = "sla.warning", "sla.breach"
SLA_WARNING, SLA_BREACHED, SLA_CHANGED = "sla.warning", "sla.breached", "sla.changed"
# Tickets without clocks: out of the flow, or a mailing's copy nobody answered.
UNTRACKED = (*FINISHED, Status.MAILING)
_ORDER = 40


def policy_for(ticket: Ticket) -> tuple[SlaPolicy | None, str]:
    """The group's own policy, else the default one."""
    if ticket.group_id is not None:
        own = GroupPolicy.objects.select_related("policy").filter(
            group_id=ticket.group_id).first()
        if own is not None:
            return own.policy, Source.GROUP
    return SlaPolicy.objects.filter(is_default=True).first(), Source.DEFAULT


def spec_of(policy: SlaPolicy | None) -> schedule.Spec:
    if policy is None or policy.calendar_id is None:
        return schedule.ALWAYS  # a policy without a calendar counts round the clock
    return calendar_selectors.spec_for(calendar_id=policy.calendar_id)


def _pauses(row: TicketSla) -> tuple[c.Pause, ...]:
    out = []
    for begin, end in row.pauses or []:
        b = parse_datetime(begin)
        if b is not None:
            out.append((b, parse_datetime(end) if end else None))
    return c.normalise(out)


def store_pauses(row: TicketSla, pauses: tuple[c.Pause, ...]) -> None:
    row.pauses = [[b.isoformat(), e.isoformat() if e else None] for b, e in pauses]


@dataclass(frozen=True)
class Metric:
    name: str
    clock: c.Clock
    reading: c.Reading
    warning_at: datetime | None  # when the warning window opens, while running


def metrics(row: TicketSla, *, priority: str, now: datetime,
            specs: dict[int | None, schedule.Spec] | None = None) -> dict[str, Metric | None]:
    """Each metric's clock as it stands, or None where the policy has no target or the
    clock has not started. ``specs`` memoises calendars over a page of tickets."""
    policy = row.policy
    key = policy.calendar_id if policy is not None else None
    if specs is not None and key in specs:
        spec = specs[key]
    else:
        spec = spec_of(policy)
        if specs is not None:
            specs[key] = spec
    pauses = _pauses(row)
    out: dict[str, Metric | None] = {}
    for name in METRICS:
        target = policy.target(priority, name) if policy is not None else None
        start = getattr(row, f"{name}_start")
        if target is None or start is None:
            out[name] = None
            continue
        clock = c.Clock(start=start, target_s=target, met_at=getattr(row, f"{name}_met_at"),
                        pauses=tuple(p for p in pauses if p[1] is None or p[1] > start))
        override = parse_datetime((row.due_overrides or {}).get(name) or "")
        if override is not None:
            # A deadline set by hand: the working time the clock uses by then is its target.
            target = max(1, round(c.used(spec, c.Clock(start=start, target_s=target,
                                                       pauses=clock.pauses), override)))
            clock = c.Clock(start=start, target_s=target, met_at=clock.met_at,
                            pauses=clock.pauses)
        reading = c.read(spec, clock, now, warning_s=policy.warning_seconds if policy else 0)
        warning_at = None
        if reading.due_at is not None and policy is not None:
            early = c.Clock(start=start, target_s=max(0, target - policy.warning_seconds),
                            pauses=clock.pauses)
            warning_at = c.due_at(spec, early)
        out[name] = Metric(name, clock, reading, warning_at)
    return out


def refresh(row: TicketSla, ticket: Ticket, *, now: datetime | None = None,
            keep: int | None = None) -> None:
    """Store the nearest deadline and the breach flag; lay the timers that moved."""
    now = now or timezone.now()
    found = metrics(row, priority=ticket.priority, now=now) \
        if ticket.status not in UNTRACKED else {}
    running = [m for m in found.values() if m is not None and m.reading.due_at is not None]
    row.due_at = min((m.reading.due_at for m in running if m.reading.due_at), default=None)
    row.warning_at = min((m.warning_at for m in running if m.warning_at), default=None)
    row.breached = any(m.reading.state == c.BREACHED for m in running)
    row.updated_at = now
    row.save()
    wanted: dict[tuple[str, str], datetime] = {}
    for m in running:
        marks = (row.marks or {}).get(m.name, {})
        if m.warning_at is not None and "warned" not in marks and "breached" not in marks:
            wanted[(WARNING_TIMER, m.name)] = m.warning_at
        if "breached" not in marks and m.reading.due_at is not None:
            # A second past the deadline: "remaining" is then below zero.
            wanted[(BREACH_TIMER, m.name)] = m.reading.due_at + timedelta(seconds=1)
    have = {(t.kind, str(t.payload.get("metric"))): t for t in Timer.objects.filter(
        kind__in=(WARNING_TIMER, BREACH_TIMER), ticket_id=ticket.pk, fired_at__isnull=True)}
    stale = [t.pk for key, t in have.items() if key not in wanted and t.pk != keep]
    if stale:
        Timer.objects.filter(pk__in=stale).delete()
    for (kind, metric), due in wanted.items():
        timer = have.get((kind, metric))
        if timer is None:
            timers.schedule(kind=kind, due_at=due, ticket_id=ticket.pk,
                            payload={"metric": metric})
        elif timer.due_at != due:
            Timer.objects.filter(pk=timer.pk).update(due_at=due, attempts=0)


def record(ticket: Ticket, actor: Actor, old: SlaPolicy | None, new: SlaPolicy | None, *,
           source: str, at: datetime) -> None:
    """Every change of policy — by hand, by a rule, by reassignment — is a history line with
    its actor and an ``sla.changed`` event (the lead's alert) [SL3]."""
    Change.objects.create(ticket=ticket, field="sla_policy", old=old.name if old else "",
                          new=new.name if new else "", created_at=at, **actor.columns())
    events.emit(SLA_CHANGED, actor=actor, ticket_id=ticket.pk,
                old_policy_id=old.pk if old else None, new_policy_id=new.pk if new else None,
                source=source)


def record_due(ticket: Ticket, actor: Actor, metric: str, old: str | None, new: datetime, *,
               at: datetime) -> None:
    Change.objects.create(ticket=ticket, field=f"sla_due:{metric}", old=old or "",
                          new=new.isoformat(), created_at=at, **actor.columns())
    events.emit(SLA_CHANGED, actor=actor, ticket_id=ticket.pk, metric=metric,
                due_at=new.isoformat(), source=Source.MANUAL)


def row_of(ticket: Ticket, *, start: datetime) -> TicketSla:
    """The ticket's clocks; made now if it has none (``start``: its creation for a new
    ticket, else this moment — a ticket from before any policy, or a mailing's copy that
    was just answered, is not late for what happened before)."""
    row = TicketSla.objects.select_related("policy").filter(ticket_id=ticket.pk).first()
    if row is None:
        policy, source = policy_for(ticket)
        row = TicketSla(ticket_id=ticket.pk, policy=policy, source=source,
                        first_response_start=start, resolution_start=start)
    return row


def _ticket(event: Event) -> Ticket | None:
    held = events.held(event, "ticket")
    if held is not None:
        return held
    return Ticket.objects.filter(pk=event.ticket_id).first() if event.ticket_id else None


def _tracked(ticket: Ticket | None) -> bool:
    if ticket is None or ticket.status in UNTRACKED:
        return False
    return SlaPolicy.objects.exists() or TicketSla.objects.filter(ticket_id=ticket.pk).exists()


def _settle(row: TicketSla, ticket: Ticket, metric: str, at: datetime) -> None:
    """A clock stops (answered, solved): record whether it was in time. A breach already
    recorded when it was announced stays a breach."""
    m = metrics(row, priority=ticket.priority, now=at).get(metric)
    if m is None:
        return
    SlaRecord.objects.get_or_create(
        ticket_id=ticket.pk, metric=metric, started_at=m.clock.start,
        defaults={"policy": row.policy, "at": at,
                  "outcome": Outcome.BREACHED if m.reading.remaining_s < 0 else Outcome.MET})


def _reset(row: TicketSla, metric: str) -> None:
    """A new cycle of the metric: its announcements and a deadline set by hand go."""
    marks = dict(row.marks or {})
    marks.pop(metric, None)
    row.marks = marks
    overrides = dict(row.due_overrides or {})
    overrides.pop(metric, None)
    row.due_overrides = overrides


@events.in_transaction(events.MESSAGE_RECEIVED, order=_ORDER)
def _received(event: Event) -> None:
    ticket = _ticket(event)
    if not _tracked(ticket):
        return
    assert ticket is not None
    message = events.held(event, "message")
    at = message.created_at if message is not None else event.created_at
    row = row_of(ticket, start=ticket.created_at if event.payload.get("new_ticket") else at)
    if not event.payload.get("new_ticket") and row.first_response_met_at is not None \
            and row.next_response_start is None:
        row.next_response_start, row.next_response_met_at = at, None
        _reset(row, "next_response")
    refresh(row, ticket)


@events.in_transaction(events.MESSAGE_ADDED, order=_ORDER)
def _added(event: Event) -> None:
    if event.actor_kind != ActorKind.AGENT:
        return  # rules' and the system's messages are nobody's answer
    ticket = _ticket(event)
    message = events.held(event, "message")
    if not _tracked(ticket) or message is None or (message.meta or {}).get("automatic"):
        return
    assert ticket is not None
    row = row_of(ticket, start=message.created_at)
    public = message.kind == MessageKind.OUTBOUND
    if not public and not (row.policy is not None and row.policy.notes_count):
        return
    at = message.created_at
    if row.first_response_met_at is None:
        _settle(row, ticket, "first_response", at)
        row.first_response_met_at = at
    if row.next_response_start is not None:
        _settle(row, ticket, "next_response", at)
        row.next_response_met_at, row.next_response_start = at, None
        _reset(row, "next_response")
    refresh(row, ticket)


@events.in_transaction(events.TICKET_CHANGED, order=_ORDER)
def _changed(event: Event) -> None:
    changes: dict[str, Any] = event.payload.get("changes") or {}
    if not {"status", "group", "priority"} & set(changes) or event.ticket_id is None:
        return
    ticket = Ticket.objects.filter(pk=event.ticket_id).first()
    if ticket is None:
        return
    row = TicketSla.objects.select_related("policy").filter(ticket_id=ticket.pk).first()
    if row is None:
        if not _tracked(ticket):
            return
        row = row_of(ticket, start=event.created_at)
    now = event.created_at
    if "status" in changes:
        if ticket.status in (Status.SOLVED, Status.CLOSED) and row.resolution_met_at is None:
            _settle(row, ticket, "resolution", now)
        _status(row, old=changes["status"][0], new=ticket.status, at=now)
    if "group" in changes and row.source in (Source.GROUP, Source.DEFAULT):
        policy, source = policy_for(ticket)
        if policy != row.policy:
            old = row.policy
            row.policy, row.source = policy, source
            record(ticket, _actor(event), old, policy, source=source, at=now)
    refresh(row, ticket)


def _actor(event: Event) -> Actor:
    """Who moved the ticket: the event's actor (an agent, a rule), for the history line."""
    if event.actor_kind == ActorKind.AGENT and event.actor_agent is not None:
        return Actor.of_agent(event.actor_agent)
    if event.actor_kind == ActorKind.RULE:
        return Actor.rule(event.actor_name)
    return Actor.system("sla")


def _status(row: TicketSla, *, old: str, new: str, at: datetime) -> None:
    pause_on = set(row.policy.pause_on if row.policy is not None else [])
    pauses = list(_pauses(row))
    if new in pause_on and old not in pause_on:
        pauses.append((at, None))
    elif old in pause_on and new not in pause_on and pauses and pauses[-1][1] is None:
        pauses[-1] = (pauses[-1][0], at)
    store_pauses(row, c.normalise(pauses))
    if new in (Status.SOLVED, Status.CLOSED) and row.resolution_met_at is None:
        row.resolution_met_at = at
    elif old in (Status.SOLVED,) and new not in (Status.SOLVED, Status.CLOSED):
        row.resolution_met_at = None  # reopened: resolution runs on from where it was
        _reset(row, "resolution")


def _fire(timer: Timer, *, mark: str, kind: str) -> None:
    metric = str(timer.payload.get("metric"))
    ticket = Ticket.objects.filter(pk=timer.ticket_id).first() if timer.ticket_id else None
    row = TicketSla.objects.select_related("policy").filter(ticket_id=timer.ticket_id or 0).first()
    if ticket is None or row is None or ticket.status in UNTRACKED or metric not in METRICS:
        return
    now = timezone.now()
    m = metrics(row, priority=ticket.priority, now=now).get(metric)
    marks = dict(row.marks or {})
    done = marks.get(metric, {})
    wanted = c.BREACHED if mark == "breached" else c.WARNING
    if m is not None and m.reading.state == wanted and mark not in done:
        marks[metric] = {**done, mark: now.isoformat()}
        row.marks = marks
        if mark == "breached":
            SlaRecord.objects.get_or_create(
                ticket_id=ticket.pk, metric=metric, started_at=m.clock.start,
                defaults={"policy": row.policy, "at": now, "outcome": Outcome.BREACHED})
        policy = row.policy
        events.emit(kind, actor=Actor.system("sla"), ticket_id=ticket.pk, metric=metric,
                    due_at=m.reading.due_at.isoformat() if m.reading.due_at else None,
                    remaining_s=round(m.reading.remaining_s),
                    policy_id=policy.pk if policy else None)
    refresh(row, ticket, now=now, keep=timer.pk)


@timers.handler(WARNING_TIMER)
def _warn(timer: Timer) -> None:
    _fire(timer, mark="warned", kind=SLA_WARNING)


@timers.handler(BREACH_TIMER)
def _breach(timer: Timer) -> None:
    _fire(timer, mark="breached", kind=SLA_BREACHED)


def rows_for(ticket_ids: list[int]) -> dict[int, TicketSla]:
    """The clocks of a page of tickets, in one query."""
    return {r.ticket_id: r for r in TicketSla.objects.select_related("policy")
            .filter(ticket_id__in=ticket_ids)}


def _by_state(qs: QuerySet[Ticket], value: str) -> QuerySet[Ticket]:
    """``sla_state=breached``: a running clock is past due (the Overdue queue);
    ``warning``: inside a warning window, not yet past due."""
    if value == c.BREACHED:
        return qs.filter(sla__breached=True)
    if value == c.WARNING:
        now = timezone.now()
        return qs.filter(sla__breached=False, sla__warning_at__lte=now, sla__due_at__gt=now)
    raise ValidationError(_("sla_state is breached or warning."), code="invalid_filter")


# The lists' order by the nearest deadline, and the filter by state [SL5].
selectors.add_sort("sla_due", "sla__due_at")
ticket_filters.add_filter("sla_state", _by_state)


def api_block(ticket: Ticket, row: TicketSla | None, *, now: datetime | None = None,
              specs: dict[int | None, schedule.Spec] | None = None) -> dict[str, Any] | None:
    """The ticket API's ``sla`` object: the policy and each metric's clock (null where the
    policy sets no target or the clock has not started)."""
    if row is None or row.policy is None:
        return None
    now = now or timezone.now()
    found = metrics(row, priority=ticket.priority, now=now, specs=specs)
    out: dict[str, Any] = {"policy": {"id": row.policy.pk, "name": row.policy.name,
                                      "source": row.source}}
    for name, m in found.items():
        out[name] = None if m is None else {
            "due_at": m.reading.due_at, "state": m.reading.state,
            "remaining_s": round(m.reading.remaining_s), "met_at": m.clock.met_at}
    return out


LABELS = {"first_response": gettext_lazy("first response"),
          "next_response": gettext_lazy("next response"), "resolution": gettext_lazy("resolution")}


def badges(tickets: list[Ticket], *, now: datetime | None = None) -> dict[int, dict[str, Any]]:
    """For a page of tickets, the clock to show beside each (the breached or nearest one):
    metric, state, working seconds left, and the warning lead — one query for the page."""
    now = now or timezone.now()
    rows = rows_for([t.pk for t in tickets])
    specs: dict[int | None, schedule.Spec] = {}
    out: dict[int, dict[str, Any]] = {}
    for t in tickets:
        row = rows.get(t.pk)
        if row is None or row.policy is None or t.status in UNTRACKED:
            continue
        live = [m for m in metrics(row, priority=t.priority, now=now, specs=specs).values()
                if m is not None and m.reading.state != c.MET]
        if not live:
            continue
        m = min(live, key=lambda x: x.reading.remaining_s)
        out[t.pk] = {"metric": m.name, "label": LABELS[m.name], "state": m.reading.state,
                     "remaining_s": round(m.reading.remaining_s), "due_at": m.reading.due_at,
                     "warning_s": row.policy.warning_seconds}
    return out


def panel(ticket: Ticket, *, now: datetime | None = None) -> list[dict[str, Any]]:
    """Every clock of one ticket, for its page."""
    now = now or timezone.now()
    row = rows_for([ticket.pk]).get(ticket.pk)
    if row is None or row.policy is None:
        return []
    return [{"metric": name, "label": LABELS[name], "state": m.reading.state,
             "remaining_s": round(m.reading.remaining_s), "due_at": m.reading.due_at,
             "met_at": m.clock.met_at, "warning_s": row.policy.warning_seconds,
             "policy": row.policy.name}
            for name, m in metrics(row, priority=ticket.priority, now=now).items()
            if m is not None]
