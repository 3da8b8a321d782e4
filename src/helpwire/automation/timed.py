"""Time rules [AU1 AU4]: "pending for 48 hours", "3 working hours since the client wrote".

A time rule is never found by scanning open tickets. Each of its ``hours_… > N`` conditions
names a moment of the ticket (created, the client's last message, an agent's last reply,
the last status change — columns kept by the ticket verbs), so the moment the rule can
first hold is known in advance: the latest of those moments plus N calendar hours, or plus
N working hours of the ticket group's calendar. That moment is a row in the timer table
(kind ``rule.time``, one per rule and ticket), swept like every other deadline.

* Whenever a ticket changes or a message arrives, an in-transaction hook recomputes its
  time-rule timers (``reschedule``): a new client message moves "since the client wrote",
  a status change moves "in status"; only timers whose moment moved are written.
* A rule fires once per *episode*: the latest of its moments. After it fired, it waits
  until one of them moves (the client wrote again, the status changed), so "pending for two
  days → remind" reminds once per pending spell, not every sweep.
* When the timer comes due the sweep holds the ticket's lock; the rule's conditions are
  evaluated as they stand then (status, tags, working hours), through the engine, which logs
  the firing and applies the daily cap. A rule that does not match then waits for the
  ticket's next change.
* A rule created, changed or enabled has its timers laid for the tickets it may concern by
  a background task (``seed``), in batches by primary key.
"""

from __future__ import annotations

import contextvars
import logging
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django_tasks import task

from helpwire.automation import engine
from helpwire.automation.conditions import HOURS_FIELDS, Facts, holds
from helpwire.automation.models import Outcome, Rule, RuleFiring, RuleMode
from helpwire.calendars import schedule, selectors
from helpwire.core import events, timers
from helpwire.core.models import Event, Timer
from helpwire.tickets.models import FINISHED, Status, Ticket

logger = logging.getLogger("helpwire.rules")

TIME_TIMER = "rule.time"
# Tickets time rules look at: still in the flow (a solved ticket may be closed after days).
OUT_OF_FLOW = (*FINISHED, Status.MAILING)
SEED_BATCH = 2000
# Conditions on the ticket's own columns: one that fails now leaves the ticket without a
# timer (changing any of them is an event that reschedules), so an open ticket carries no
# timers of a "pending for 2 days" rule.
STATE_FIELDS = {"status", "priority", "type", "group", "assignee", "channel"}
# The timer being fired: the rule's own changes reschedule the ticket, and must not delete
# the row the sweep is about to mark fired.
_firing: contextvars.ContextVar[int | None] = contextvars.ContextVar("firing", default=None)


def time_rules() -> list[Rule]:
    return [r for r in engine.enabled_rules() if r.mode == RuleMode.TIME]


def _thresholds(rule: Rule) -> list[tuple[str, float]]:
    """The rule's ``hours_… > N`` conditions of its ``all`` list: (field, hours)."""
    out = []
    for item in (rule.conditions or {}).get("all") or []:
        if item.get("field") in HOURS_FIELDS and item.get("op") == "gt":
            try:
                out.append((item["field"], float(item["value"])))
            except (TypeError, ValueError):
                continue
    return out


def episode(rule: Rule, ticket: Ticket) -> datetime | None:
    """The latest of the moments the rule counts from; None when one has not happened."""
    moments = [getattr(ticket, HOURS_FIELDS[name]) for name, _h in _thresholds(rule)]
    if not moments or any(m is None for m in moments):
        return None
    return max(moments)


def due_at(rule: Rule, ticket: Ticket, spec: schedule.Spec | None = None) -> datetime | None:
    """The first moment every ``hours_… > N`` condition of the rule holds."""
    due: datetime | None = None
    for name, hours in _thresholds(rule):
        since = getattr(ticket, HOURS_FIELDS[name])
        if since is None:
            return None
        if name.startswith("working_"):
            if spec is None:
                calendar_id = ticket.group.calendar_id if ticket.group is not None else None
                spec = selectors.spec_for(calendar_id=calendar_id)
            try:
                at = schedule.add_working(spec, since, hours * 3600)
            except schedule.NoWorkingTime:
                return None
        else:
            at = since + timedelta(hours=hours)
        at += timedelta(seconds=1)  # "more than N hours": a second past the mark
        due = at if due is None else max(due, at)
    return due


def _last_fired(ticket_id: int, rule_ids: list[int]) -> dict[int, datetime]:
    rows = (RuleFiring.objects.filter(ticket_id=ticket_id, rule_id__in=rule_ids,
                                      outcome=Outcome.DONE)
            .values("rule_id").annotate(at=Max("at")).order_by())
    return {r["rule_id"]: r["at"] for r in rows}


def wanted(ticket: Ticket, rules: list[Rule], fired: dict[int, datetime]
           ) -> dict[int, datetime]:
    """rule id → when its timer should fire for this ticket."""
    if ticket.status in OUT_OF_FLOW:
        return {}
    out: dict[int, datetime] = {}
    facts = Facts(event="time", ticket=ticket)
    for rule in rules:
        if not all(holds(item, facts) for item in (rule.conditions or {}).get("all") or []
                   if item.get("field") in STATE_FIELDS):
            continue
        start = episode(rule, ticket)
        if start is None or (rule.pk in fired and fired[rule.pk] >= start):
            continue  # not yet started, or done for this episode
        due = due_at(rule, ticket)
        if due is not None:
            out[rule.pk] = due
    return out


def reschedule(ticket: Ticket, *, rules: list[Rule] | None = None,
               keep: int | None = None) -> None:
    """Bring the ticket's time-rule timers in line with its moments, writing only what
    moved. ``keep`` is the timer being fired right now (the sweep marks it)."""
    rules = time_rules() if rules is None else rules
    if not rules:
        return  # timers of rules since disabled fire into nothing and are marked
    keep = keep if keep is not None else _firing.get()
    want = wanted(ticket, rules, _last_fired(ticket.pk, [r.pk for r in rules]))
    have = {int(t.payload.get("rule_id", 0)): t for t in Timer.objects.filter(
        kind=TIME_TIMER, ticket_id=ticket.pk, fired_at__isnull=True)}
    stale = [t.pk for rid, t in have.items() if rid not in want and t.pk != keep]
    if stale:
        Timer.objects.filter(pk__in=stale).delete()
    for rule_id, due in want.items():
        timer = have.get(rule_id)
        if timer is None:
            timers.schedule(kind=TIME_TIMER, due_at=due, ticket_id=ticket.pk,
                            payload={"rule_id": rule_id})
        elif timer.due_at != due:
            Timer.objects.filter(pk=timer.pk).update(due_at=due, attempts=0)


# After the event rules (order 50): their changes are part of the ticket's new state.
@events.in_transaction(events.TICKET_CHANGED, events.MESSAGE_RECEIVED, events.MESSAGE_ADDED,
                       order=60)
def _on_ticket(event: Event) -> None:
    if event.ticket_id is None:
        return
    rules = time_rules()
    if not rules:
        return
    ticket = Ticket.objects.select_related("group").filter(pk=event.ticket_id).first()
    if ticket is not None:
        reschedule(ticket, rules=rules)


@timers.handler(TIME_TIMER)
def fire(timer: Timer) -> None:
    """The sweep holds the ticket's lock. Fire the rule if its time has really come and it
    has not fired in this episode."""
    rule = Rule.objects.filter(pk=timer.payload.get("rule_id"), enabled=True,
                               mode=RuleMode.TIME).first()
    ticket = (Ticket.objects.select_related("group").filter(pk=timer.ticket_id).first()
              if timer.ticket_id else None)
    if rule is None or ticket is None or ticket.status in OUT_OF_FLOW:
        return
    start = episode(rule, ticket)
    last = _last_fired(ticket.pk, [rule.pk]).get(rule.pk)
    if start is None or (last is not None and last >= start):
        return
    due = due_at(rule, ticket)
    if due is None:
        return
    if due > timezone.now():  # a moment moved and this timer was not told: wait for it
        timers.schedule(kind=TIME_TIMER, due_at=due, ticket_id=ticket.pk,
                        payload={"rule_id": rule.pk})
        return
    token = _firing.set(timer.pk)
    try:
        engine.run(event="time", ticket_id=ticket.pk, rules=[rule])
    finally:
        _firing.reset(token)


def _candidates(rule: Rule) -> Any:
    qs = Ticket.objects.exclude(status__in=OUT_OF_FLOW)
    for item in (rule.conditions or {}).get("all") or []:
        # A status condition narrows the tickets to seed (index tickets_status_upd).
        if item.get("field") == "status" and item.get("op") in ("is", "in"):
            value = item.get("value")
            qs = qs.filter(status__in=value if isinstance(value, list) else [value])
    return qs


def seed_now(rule_id: int) -> int:
    """Lay the rule's timers for every ticket it may concern; returns how many."""
    rule = Rule.objects.filter(pk=rule_id).first()
    Timer.objects.filter(kind=TIME_TIMER, fired_at__isnull=True,
                         payload__rule_id=rule_id).delete()
    if rule is None or not rule.enabled or rule.mode != RuleMode.TIME:
        return 0
    laid, after = 0, 0
    while True:
        batch = list(_candidates(rule).filter(pk__gt=after).select_related("group")
                     .order_by("pk")[:SEED_BATCH])
        if not batch:
            return laid
        after = batch[-1].pk
        fired = dict(RuleFiring.objects.filter(
            rule=rule, outcome=Outcome.DONE, ticket_id__in=[t.pk for t in batch])
            .values("ticket_id").annotate(at=Max("at")).values_list("ticket_id", "at")
            .order_by())
        rows = []
        for ticket in batch:
            due = wanted(ticket, [rule], {rule.pk: fired[ticket.pk]} if ticket.pk in fired
                         else {}).get(rule.pk)
            if due is not None:
                rows.append(Timer(kind=TIME_TIMER, due_at=due, ticket_id=ticket.pk,
                                  payload={"rule_id": rule.pk}))
        with transaction.atomic():
            Timer.objects.bulk_create(rows)
        laid += len(rows)


@task()
def seed(rule_id: int) -> None:
    laid = seed_now(rule_id)
    logger.info("time rule %s: %s timers laid", rule_id, laid)
