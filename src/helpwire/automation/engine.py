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
from datetime import timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, transaction
from django.db.models import Count
from django.utils import timezone

from helpwire.automation import rule_actions
from helpwire.automation.conditions import Facts, evaluate
from helpwire.automation.models import Outcome, Rule, RuleFiring, RuleMode
from helpwire.core import events
from helpwire.core.actors import ActorKind
from helpwire.core.models import Event
from helpwire.tickets.locks import lock_ticket
from helpwire.tickets.models import Message, MessageKind, Ticket

logger = logging.getLogger("helpwire.rules")

EVENTS = ("ticket.created", "message.received", "reply.sent", "note.added", "ticket.changed",
          "reminder.fired")
MAX_DEPTH = 10
_depth: contextvars.ContextVar[int] = contextvars.ContextVar("rule_depth", default=0)


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


# The enabled rules, read once for a whole chain of events: a rule's change is itself an
# event (ticket.changed) that asks for the rules again, as does the time-rule hook; inside
# one run they are the rows already read.
_held: contextvars.ContextVar[list[Rule] | None] = contextvars.ContextVar("held_rules",
                                                                           default=None)


def held_rules() -> list[Rule] | None:
    """The enabled rules the current run read, or None outside a run."""
    return _held.get()


def _enabled() -> list[Rule]:
    held = _held.get()
    if held is not None:
        return held
    return list(Rule.objects.filter(enabled=True).order_by("position", "pk"))


def rules_for(event: str, enabled: list[Rule] | None = None) -> list[Rule]:
    return [r for r in (_enabled() if enabled is None else enabled)
            if r.mode == RuleMode.EVENT and event in (r.events or [])]


def run(*, event: str, ticket_id: int | None, ticket: Ticket | None = None,
        message: Message | None = None, changes: dict[str, Any] | None = None,
        rules: list[Rule] | None = None) -> list[RuleFiring]:
    """Run the enabled rules for ``event`` on one ticket, in the caller's transaction."""
    if ticket_id is None:
        return []
    enabled: list[Rule] | None = None
    if rules is None:
        enabled = _enabled()
        rules = rules_for(event, enabled)
    if not rules:
        return []
    held = _held.set(enabled) if _held.get() is None and enabled is not None else None
    try:
        return _run(event=event, ticket_id=ticket_id, ticket=ticket, message=message,
                    changes=changes, rules=rules)
    finally:
        if held is not None:
            _held.reset(held)


def _run(*, event: str, ticket_id: int, ticket: Ticket | None, message: Message | None,
         changes: dict[str, Any] | None, rules: list[Rule]) -> list[RuleFiring]:
    depth = _depth.get()
    if depth >= MAX_DEPTH:
        logger.warning("rules: chain on ticket %s stopped at depth %s (%s)", ticket_id, depth,
                       event)
        return [_log(rules[0], ticket_id, event, [], [], Outcome.TOO_DEEP)]
    given = ticket
    ticket = ticket if ticket is not None else Ticket.objects.get(pk=ticket_id)
    facts = Facts(event=event, ticket=ticket, message=message, changes=changes or {},
                  now=timezone.now())
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
                with transaction.atomic():
                    done = rule_actions.apply(rule, lock_ticket(ticket_id), message=message)
            except (ValidationError, PermissionDenied, DatabaseError) as e:
                logger.warning("rule %s failed on ticket %s: %s", rule.pk, ticket_id, e)
                fired.append(_log(rule, ticket_id, event, held, [], Outcome.FAILED, str(e)))
            else:
                fired.append(_log(rule, ticket_id, event, held, done, Outcome.DONE))
                today[rule.pk] = today.get(rule.pk, 0) + 1
                facts.ticket = Ticket.objects.get(pk=ticket_id)  # later rules see the change
                facts._fields = None
            if rule.stop:
                break
    finally:
        _depth.reset(token)
    if given is not None and any(f.outcome == Outcome.DONE for f in fired):
        # The caller holds this object (ingest returns it; the API answers from it).
        given.refresh_from_db()
    return fired


def _fired_today(ticket_id: int) -> dict[int, int]:
    since = timezone.now() - timedelta(days=1)
    return dict(RuleFiring.objects.filter(ticket_id=ticket_id, at__gte=since,
                                          outcome=Outcome.DONE)
                .values("rule_id").annotate(n=Count("pk")).values_list("rule_id", "n")
                .order_by())


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
