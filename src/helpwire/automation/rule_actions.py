"""What a matched rule does [AU1 CL5]. Changes to the ticket go through the ticket verbs
(``tickets.actions.update_ticket``) as one change set with the rule as the actor, inside the
event's transaction — a new ticket is routed before anyone sees it. ``plan`` describes the
actions without doing them ("try on ticket #N")."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from helpwire.accounts.models import Agent, Group, Notification
from helpwire.automation import outbound
from helpwire.automation.models import Rule
from helpwire.calendars import schedule, selectors
from helpwire.conversations import reply
from helpwire.conversations.outbound import NOTE
from helpwire.core.actors import Actor
from helpwire.sla import actions as sla_actions
from helpwire.sla.models import SlaPolicy, Source
from helpwire.tickets import actions as ticket_actions
from helpwire.tickets.models import IN_WORK, Message, Status, Ticket

# Ticket changes a rule can make, as update_ticket's keyword for each action type.
SETTERS = {"set_status": "status", "set_priority": "priority", "set_type": "type"}


def on_shift(group: Group) -> list[Agent]:
    """The group's agents who may take a ticket now: active, not away, and the group's
    calendar says it is working time (no calendar: always)."""
    spec = selectors.spec_for(calendar_id=group.calendar_id)
    if not schedule.is_working(spec, timezone.now()):
        return []
    return list(group.agents.filter(is_active=True, is_away=False).order_by("pk"))


def _round_robin(rule: Rule, group: Group) -> Agent | None:
    agents = on_shift(group)
    if not agents:
        return None
    # The rule row holds the last pick; locking it (after the ticket: the lock order) makes
    # two tickets routed at once take turns instead of both going to the same agent.
    current = dict(Rule.objects.select_for_update().filter(pk=rule.pk)
                   .values_list("state", flat=True).first() or {})
    last = current.get(f"last:{group.pk}")
    later = [a for a in agents if last is None or a.pk > last]
    pick = (later or agents)[0]
    current[f"last:{group.pk}"] = pick.pk
    Rule.objects.filter(pk=rule.pk).update(state=current)
    return pick


def _least_loaded(group: Group) -> Agent | None:
    agents = on_shift(group)
    if not agents:
        return None
    load = dict(Agent.objects.filter(pk__in=[a.pk for a in agents]).annotate(
        n=Count("assigned_tickets", filter=Q(assigned_tickets__status__in=IN_WORK)))
        .values_list("pk", "n"))
    return min(agents, key=lambda a: (load.get(a.pk, 0), a.pk))


def _assignment(rule: Rule, action: dict[str, Any], ticket: Ticket) -> dict[str, Any]:
    """update_ticket keywords for an ``assign`` action."""
    out: dict[str, Any] = {}
    group = Group.objects.filter(pk=action["group_id"]).first() if action.get("group_id") else None
    if group is not None:
        out["group"] = group
    if action.get("agent_id"):
        agent = Agent.objects.filter(pk=action["agent_id"], is_active=True).first()
        if agent is not None:
            out["assignee"] = agent
    elif action.get("responsible"):
        responsible = ticket.client.responsible
        if responsible is not None and responsible.is_active:
            out["assignee"] = responsible
    elif action.get("strategy") and group is not None:
        pick = (_round_robin(rule, group) if action["strategy"] == "round_robin"
                else _least_loaded(group))
        if pick is not None:
            out["assignee"] = pick
    return out


def apply(rule: Rule, ticket: Ticket, *, message: Message | None = None,
          extra: dict[str, str] | None = None) -> tuple[list[dict[str, Any]], Ticket | None]:
    """Do the rule's actions on the ticket (the caller holds its lock); returns what was
    done, for the log, and the ticket as it is now when that is known without reading it
    again. ``message`` is the one that set the rule off (its text, its sender, whether a
    machine wrote it)."""
    actor = Actor.rule(rule.name, rule_id=rule.pk)
    changes: dict[str, Any] = {}
    add: list[str] = []
    remove: list[str] = []
    fields: dict[str, Any] = {}
    notes: list[str] = []
    notify: list[dict[str, Any]] = []
    later: list[dict[str, Any]] = []
    policies: list[dict[str, Any]] = []
    done: list[dict[str, Any]] = []
    for action in rule.actions:
        kind = action.get("type")
        if kind == "assign":
            found = _assignment(rule, action, ticket)
            changes.update(found)
            done.append({"type": kind, **{k: getattr(v, "pk", v) for k, v in found.items()}})
        elif kind in SETTERS:
            changes[SETTERS[kind]] = action["value"]
            done.append({"type": kind, "value": action["value"]})
        elif kind == "spam":
            changes["status"] = Status.SPAM
            done.append({"type": kind})
        elif kind == "archive":
            changes.pop("status", None)
            changes["archive"] = True
            done.append({"type": kind})
        elif kind in ("add_tags", "remove_tags"):
            # Actions apply in order: a later one undoes an earlier one on the same tag.
            keep, drop = (add, remove) if kind == "add_tags" else (remove, add)
            keep += action["tags"]
            drop[:] = [t for t in drop if t not in action["tags"]]
            done.append({"type": kind, "tags": action["tags"]})
        elif kind == "set_field":
            fields[action["key"]] = action["value"]
            done.append({"type": kind, "key": action["key"], "value": action["value"]})
        elif kind == "add_note":
            notes.append(action["text"])
            done.append({"type": kind})
        elif kind == "notify":
            notify.append(action)
            done.append({"type": kind, "agent_ids": action.get("agent_ids", [])})
        elif kind in ("reply_template", "send_email", "http_request"):
            later.append(action)
        elif kind == "set_sla_policy":
            policies.append(action)
    if changes or add or remove or fields:
        ticket = ticket_actions.update_ticket(ticket=ticket, actor=actor, add_tags=add,
                                     remove_tags=remove, field_values=fields or None,
                                     **changes)
    for action in policies:
        policy = SlaPolicy.objects.filter(pk=action["policy_id"]).first()
        if policy is not None:
            sla_actions.set_ticket_policy(ticket=ticket, actor=actor, policy=policy,
                                          source=Source.RULE)
        done.append({"type": "set_sla_policy", "policy_id": action["policy_id"]})
    for text in notes:
        reply(ticket=ticket, actor=actor, text=text, kind=NOTE)
    for action in notify:
        _notify(rule, ticket, action)
    for action in later:
        done.append(outbound.send(rule=rule, ticket=ticket, action=action, message=message,
                                  extra=extra))
    # The ticket as update_ticket left it, when nothing else wrote to it since.
    return done, ticket if not (notes or later or policies) else None


def _notify(rule: Rule, ticket: Ticket, action: dict[str, Any]) -> None:
    ids = set(action.get("agent_ids") or [])
    if action.get("assignee") and ticket.assignee_id:
        ids.add(ticket.assignee_id)
    text = (action.get("text") or _("Rule “%(rule)s” on ticket #%(number)s")
            % {"rule": rule.name, "number": ticket.number})[:500]
    Notification.objects.bulk_create(
        Notification(agent_id=pk, kind=Notification.Kind.RULE, ticket=ticket, text=text)
        for pk in Agent.objects.filter(pk__in=ids, is_active=True).values_list("pk", flat=True))


def plan(rule: Rule, ticket: Ticket) -> list[dict[str, Any]]:
    """What ``apply`` would do, in words and values, reading only (assignment strategies
    name the agent they would pick now without moving the round-robin turn)."""
    out: list[dict[str, Any]] = []
    for action in rule.actions:
        item = dict(action)
        item.pop("secret", None)
        if action.get("type") == "assign" and action.get("strategy") and action.get("group_id"):
            group = Group.objects.filter(pk=action["group_id"]).first()
            item["would_pick"] = [a.pk for a in on_shift(group)] if group else []
        out.append(item)
    return out
