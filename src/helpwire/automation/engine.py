"""The rules engine [AU1]: event rules run inside the transaction of the event that
triggered them, top to bottom, each matched rule's actions in a savepoint of their own (a
rule that fails is logged, and the mail or reply that triggered it is kept).

Guards against rule loops: a chain of events set off by rules runs at most ``MAX_DEPTH``
levels deep (a rule's change is itself a ``ticket.changed`` event), and a rule fires on one
ticket at most ``daily_cap`` times in 24 hours. Every match is a ``RuleFiring`` row.

Events, as rules name them (the API's names), and the bus events they come from:
``ticket.created`` / ``message.received`` ← ``message.received`` (new ticket or not: the
first message is there when a rule reads the text); ``reply.sent`` / ``note.added`` ←
``message.added`` by an agent (a rule's or the system's own messages set off nothing);
``ticket.changed``; ``reminder.fired`` ← ``ticket.reminder_fired``. Time rules
(``automation.timed``) and manual rules (``automation.manual``) come through ``run`` too, as
the events ``time`` and ``manual``.
"""

from __future__ import annotations

import contextvars
import logging
from contextlib import nullcontext
from datetime import timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from helpwire.accounts.models import Agent
from helpwire.automation import rule_actions
from helpwire.automation.conditions import Facts, evaluate
from helpwire.automation.models import Outcome, Rule, RuleFiring, RuleMode
from helpwire.core import events
from helpwire.core.actors import ActorKind
from helpwire.core.models import Event
from helpwire.reports.models import RATING_RECEIVED
from helpwire.sla.clock import hours_minutes
from helpwire.sla.tracking import SLA_BREACHED, SLA_CHANGED, SLA_WARNING
from helpwire.tickets.locks import lock_ticket
from helpwire.tickets.models import Message, MessageKind, Ticket

logger = logging.getLogger("helpwire.rules")

EVENTS = ("ticket.created", "message.received", "reply.sent", "note.added", "ticket.changed",
          "reminder.fired", SLA_WARNING, SLA_BREACHED, SLA_CHANGED, RATING_RECEIVED)
MAX_DEPTH = 10
_depth: contextvars.ContextVar[int] = contextvars.ContextVar("rule_depth", default=0)
# Firings done so far in this context: a change that set off more rules shows here.
_fired: contextvars.ContextVar[int] = contextvars.ContextVar("rule_fired", default=0)


def _message(event: Event) -> Message | None:
    message = events.held(event, "message")
    if message is None and event.payload.get("message_id"):
        message = Message.objects.filter(pk=event.payload["message_id"]).first()
    return message


@events.in_transaction(events.MESSAGE_RECEIVED, order=50)
def _received(event: Event) -> None:
    name = "ticket.created" if event.payload.get("new_ticket") else "message.received"
    run(event=name, ticket_id=event.ticket_id, message=_message(event),
        ticket=events.held(event, "ticket"))


@events.in_transaction(events.MESSAGE_ADDED, order=50)
def _added(event: Event) -> None:
    if event.actor_kind != ActorKind.AGENT:
        return  # rules' and the system's messages are not an agent's answer
    kind = event.payload.get("message_kind")
    name = {MessageKind.NOTE: "note.added", MessageKind.OUTBOUND: "reply.sent"}.get(kind)
    if name:
        run(event=name, ticket_id=event.ticket_id, message=_message(event),
            ticket=events.held(event, "ticket"))


@events.in_transaction(events.TICKET_CHANGED, order=50)
def _changed(event: Event) -> None:
    run(event="ticket.changed", ticket_id=event.ticket_id,
        changes=event.payload.get("changes") or {})


@events.in_transaction(events.REMINDER_FIRED, order=50)
def _reminder(event: Event) -> None:
    run(event="reminder.fired", ticket_id=event.ticket_id)


@events.in_transaction(SLA_WARNING, SLA_BREACHED, SLA_CHANGED, order=50)
def _sla(event: Event) -> None:
    """A deadline near or passed, or a policy changed: the placeholders {{sla.metric}},
    {{sla.due_at}} and {{sla.remaining}} carry the clock it is about."""
    p = event.payload
    remaining = p.get("remaining_s")
    extra = {"sla.metric": str(p.get("metric") or ""), "sla.due_at": str(p.get("due_at") or ""),
             "sla.remaining": "" if remaining is None else hours_minutes(int(remaining)),
             "sla.source": str(p.get("source") or "")}
    run(event=event.kind, ticket_id=event.ticket_id, extra=extra)


@events.in_transaction(RATING_RECEIVED, order=50)
def _rating(event: Event) -> None:
    """A client rated the ticket [AU10]: {{rating.grade}}, {{rating.comment}} and
    {{rating.agent}} (the rated agent) for conditions and messages."""
    p = event.payload
    agent = Agent.objects.filter(pk=p.get("agent_id") or 0).values_list("name", flat=True)
    extra = {"rating.grade": str(p.get("grade") or ""),
             "rating.comment": str(p.get("comment") or ""), "rating.agent": agent.first() or "",
             "rating.previous": str(p.get("previous") or "")}
    run(event=event.kind, ticket_id=event.ticket_id, extra=extra)


# The enabled rules, read once for a whole chain of events: a rule's change is itself an
# event (ticket.changed) that asks for the rules again, as does the time-rule hook; inside
# one run they are the rows already read.
_held: contextvars.ContextVar[list[Rule] | None] = contextvars.ContextVar("held_rules",
                                                                           default=None)


# The enabled rules as this process last read them, and the version they were read at: one
# aggregate query (how many are enabled, the newest change, the newest id) tells whether the
# parsed rows are still current, instead of reading and parsing 200 rows of JSON for every
# event. Writes through ``automation.actions`` also bump ``_generation`` here, so the process
# that changed a rule never waits for the database's view to tell it.
_LOADED = ("id", "name", "enabled", "position", "mode", "events", "conditions", "actions",
           "stop", "daily_cap", "updated_at")
_cache: dict[str, Any] = {"key": None, "rules": []}
_generation = [0]
_VERSION = (f"SELECT COUNT(*), MAX(updated_at), MAX(id) FROM {Rule._meta.db_table} "  # noqa: S608
            "WHERE enabled")


def rules_changed() -> None:
    _generation[0] += 1


def enabled_rules() -> list[Rule]:
    """The enabled rules in run order: those the current run already read, else this
    process's copy while it is current."""
    held = _held.get()
    if held is not None:
        return held
    with connection.cursor() as cursor:  # by hand: the ORM's compiling costs more than this
        cursor.execute(_VERSION)
        key = (_generation[0], *cursor.fetchone())
    if _cache["key"] != key:
        rules = list(Rule.objects.filter(enabled=True).only(*_LOADED).order_by("position", "pk"))
        _cache.update(key=key, rules=rules)
    return list(_cache["rules"])


def rules_for(event: str, enabled: list[Rule] | None = None) -> list[Rule]:
    return [r for r in (enabled_rules() if enabled is None else enabled)
            if r.mode == RuleMode.EVENT and event in (r.events or [])]


def run(*, event: str, ticket_id: int | None, ticket: Ticket | None = None,
        message: Message | None = None, changes: dict[str, Any] | None = None,
        rules: list[Rule] | None = None, extra: dict[str, str] | None = None
        ) -> list[RuleFiring]:
    """Run the enabled rules for ``event`` on one ticket, in the caller's transaction."""
    if ticket_id is None:
        return []
    enabled: list[Rule] | None = None
    if rules is None:
        enabled = enabled_rules()
        rules = rules_for(event, enabled)
    if not rules:
        return []
    held = _held.set(enabled) if _held.get() is None and enabled is not None else None
    try:
        return _run(event=event, ticket_id=ticket_id, ticket=ticket, message=message,
                    changes=changes, rules=rules, extra=extra)
    finally:
        if held is not None:
            _held.reset(held)


def _run(*, event: str, ticket_id: int, ticket: Ticket | None, message: Message | None,
         changes: dict[str, Any] | None, rules: list[Rule],
         extra: dict[str, str] | None = None) -> list[RuleFiring]:
    depth = _depth.get()
    if depth >= MAX_DEPTH:
        logger.warning("rules: chain on ticket %s stopped at depth %s (%s)", ticket_id, depth,
                       event)
        return [_log(rules[0], ticket_id, event, [], [], Outcome.TOO_DEEP)]
    given = ticket
    ticket = ticket if ticket is not None else Ticket.objects.get(pk=ticket_id)
    facts = Facts(event=event, ticket=ticket, message=message, changes=changes or {},
                  now=timezone.now(), extra=extra or {})
    fired: list[RuleFiring] = []
    today: dict[int, int] | None = None  # firings per rule on this ticket in 24 h, when asked
    token = _depth.set(depth + 1)
    try:
        for rule in rules:
            matched, held = evaluate(rule.conditions or {}, facts)
            if not matched:
                continue
            if today is None:
                today = _fired_today(ticket_id)
            if today.get(rule.pk, 0) >= rule.daily_cap:
                fired.append(_log(rule, ticket_id, event, held, [], Outcome.CAPPED))
                continue
            try:
                # A rule that only changes the ticket writes through update_ticket alone,
                # whose own savepoint keeps a failure to itself; others get one here.
                with nullcontext() if _one_write(rule) else transaction.atomic():
                    # Whoever set the rules off holds the ticket's lock (the emitting verb,
                    # the timer sweep, the bulk job); round robin takes the rule's lock, so
                    # the ticket's is taken here too, to keep the order whatever the caller.
                    target = lock_ticket(ticket_id) if _routes(rule) else facts.ticket
                    before = _fired.get()
                    done, after = rule_actions.apply(rule, target, message=message,
                                                     extra=extra)
                    if _fired.get() != before:
                        after = None  # rules its change set off changed the ticket again
            except (ValidationError, PermissionDenied, DatabaseError) as e:
                logger.warning("rule %s failed on ticket %s: %s", rule.pk, ticket_id, e)
                fired.append(_log(rule, ticket_id, event, held, [], Outcome.FAILED, str(e)))
            else:
                fired.append(_log(rule, ticket_id, event, held, done, Outcome.DONE))
                today[rule.pk] = today.get(rule.pk, 0) + 1
                _fired.set(_fired.get() + 1)
                # Later rules see the change.
                facts.ticket = after if after is not None else Ticket.objects.get(pk=ticket_id)
                facts._fields = None
            if rule.stop:
                break
    finally:
        _depth.reset(token)
    if given is not None and given is not facts.ticket and any(
            f.outcome == Outcome.DONE for f in fired):
        # The caller holds this object (ingest returns it; the API answers from it): it
        # takes the values the rules left, which facts.ticket holds already.
        for f in Ticket._meta.concrete_fields:
            if getattr(f, "generated", False) or f.attname not in facts.ticket.__dict__:
                given.__dict__.pop(f.attname, None)  # read again when asked
            else:
                setattr(given, f.attname, facts.ticket.__dict__[f.attname])
        given._state.fields_cache.clear()
    return fired


# Actions that are one update_ticket call between them (no notes, messages or round robin).
_TICKET_ONLY = {"add_tags", "remove_tags", "set_status", "set_priority", "set_type",
                "set_field", "spam", "archive"}


def _one_write(rule: Rule) -> bool:
    return all(a.get("type") in _TICKET_ONLY
               or (a.get("type") == "assign" and not a.get("strategy")) for a in rule.actions)


def _routes(rule: Rule) -> bool:
    return any(a.get("type") == "assign" and a.get("strategy") for a in rule.actions)


_TODAY = (f"SELECT rule_id, COUNT(*) FROM {RuleFiring._meta.db_table} "  # noqa: S608
          "WHERE ticket_id = %s AND at >= %s AND outcome = %s GROUP BY rule_id")


def _fired_today(ticket_id: int) -> dict[int, int]:
    since = timezone.now() - timedelta(days=1)
    with connection.cursor() as cursor:  # once per run that matched; by hand, it is hot
        cursor.execute(_TODAY, [ticket_id, connection.ops.adapt_datetimefield_value(since),
                                Outcome.DONE.value])
        return {rule_id: n for rule_id, n in cursor.fetchall() if rule_id is not None}


def _log(rule: Rule, ticket_id: int, event: str, held: list[dict[str, Any]],
         done: list[dict[str, Any]], outcome: str, error: str = "") -> RuleFiring:
    return RuleFiring.objects.create(rule=rule, rule_name=rule.name, ticket_id=ticket_id,
                                     event=event, matched=held, done=done, outcome=outcome,
                                     error=error[:2000])


def try_rule(*, rule: Rule, ticket: Ticket, event: str | None = None) -> dict[str, Any]:
    """What the rule would do on this ticket now, writing nothing: the conditions that
    held (or did not), and the actions. The message read is the ticket's latest one."""
    message = ticket.messages.order_by("-created_at", "-pk").first()
    by_mode: dict[str, str] = {RuleMode.TIME: "time", RuleMode.MANUAL: "manual"}
    default = rule.events[0] if rule.events else by_mode.get(rule.mode, "ticket.changed")
    facts = Facts(event=event or default, ticket=ticket, message=message, now=timezone.now())
    matched, held = evaluate(rule.conditions or {}, facts)
    return {"matched": matched, "conditions": held, "event": facts.event,
            "actions": rule_actions.plan(rule, ticket) if matched else []}
