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
``ticket.changed``; ``reminder.fired`` ← ``ticket.reminder_fired``.
"""

from __future__ import annotations

import contextvars
import logging
from datetime import timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, transaction
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


def rules_for(event: str) -> list[Rule]:
    return [r for r in Rule.objects.filter(enabled=True, mode=RuleMode.EVENT).order_by(
        "position", "pk") if event in (r.events or [])]


def run(*, event: str, ticket_id: int | None, ticket: Ticket | None = None,
        message: Message | None = None, changes: dict[str, Any] | None = None,
        rules: list[Rule] | None = None) -> list[RuleFiring]:
    """Run the enabled rules for ``event`` on one ticket, in the caller's transaction."""
    if ticket_id is None:
        return []
    rules = rules_for(event) if rules is None else rules
    if not rules:
        return []
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
    token = _depth.set(depth + 1)
    try:
        for rule in rules:
            matched, held = evaluate(rule.conditions or {}, facts)
            if not matched:
                continue
            if _fired_today(rule, ticket_id) >= rule.daily_cap:
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


def _fired_today(rule: Rule, ticket_id: int) -> int:
    since = timezone.now() - timedelta(days=1)
    return RuleFiring.objects.filter(rule=rule, ticket_id=ticket_id, at__gte=since,
                                     outcome=Outcome.DONE).count()


def _log(rule: Rule, ticket_id: int, event: str, held: list[dict[str, Any]],
         done: list[dict[str, Any]], outcome: str, error: str = "") -> RuleFiring:
    return RuleFiring.objects.create(rule=rule, rule_name=rule.name, ticket_id=ticket_id,
                                     event=event, matched=held, done=done, outcome=outcome,
                                     error=error[:2000])


def try_rule(*, rule: Rule, ticket: Ticket, event: str | None = None) -> dict[str, Any]:
    """What the rule would do on this ticket now, writing nothing: the conditions that
    held (or did not), and the actions. The message read is the ticket's latest one."""
    message = ticket.messages.order_by("-created_at", "-pk").first()
    facts = Facts(event=event or (rule.events or ["ticket.changed"])[0], ticket=ticket,
                  message=message, now=timezone.now())
    matched, held = evaluate(rule.conditions or {}, facts)
    return {"matched": matched, "conditions": held, "event": facts.event,
            "actions": rule_actions.plan(rule, ticket) if matched else []}
