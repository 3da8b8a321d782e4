"""One validation for rules, shared by the API and the rule editor: the API's shape in,
what is stored out, or a ValidationError keyed by field ("conditions", "actions", …) whose
messages name the offending item."""

from __future__ import annotations

from typing import Any

import regex
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from helpwire.accounts.models import Agent, Group
from helpwire.automation import conditions as c
from helpwire.automation.engine import EVENTS
from helpwire.automation.models import ReplyTemplate, RuleMode
from helpwire.reports.models import Grade
from helpwire.sla.models import SlaPolicy
from helpwire.tickets.models import CustomField, Priority, Status, TicketType

ACTION_TYPES = ("assign", "add_tags", "remove_tags", "set_status", "set_priority", "set_type",
                "set_field", "add_note", "notify", "spam", "reply_template", "send_email",
                "http_request", "archive", "set_sla_policy")
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
MIN_SECRET = 16
MAX_RECIPIENTS = 50
STRATEGIES = ("round_robin", "least_loaded")
MAX_CONDITIONS = 50
MAX_ACTIONS = 30
MAX_HOURS = 24 * 366
CHOICES = {"status": Status.values, "priority": Priority.values, "type": TicketType.values,
           "sla.metric": ["first_response", "next_response", "resolution"],
           "sla.source": ["group", "default", "rule", "manual"], "rating.grade": Grade.values}


def _condition(item: Any, where: str) -> dict[str, Any]:
    if not isinstance(item, dict):
        raise ValidationError(_("%(where)s: a condition is {\"field\", \"op\", \"value\"}.")
                              % {"where": where})
    name, op, value = item.get("field"), item.get("op"), item.get("value")
    if not isinstance(name, str) or not (
            name in c.FIELDS or (name.startswith("field.") and CustomField.objects.filter(
                key=name[len("field."):]).exists())):
        raise ValidationError(_("%(where)s: unknown field “%(field)s”.")
                              % {"where": where, "field": name})
    if op not in c.OPS:
        raise ValidationError(_("%(where)s: unknown operator “%(op)s”.")
                              % {"where": where, "op": op})
    if op in ("word_forms", "contains", "phrase", "regex") and name not in c.TEXT_FIELDS and (
            not name.startswith("field.")):
        raise ValidationError(_("%(where)s: “%(op)s” compares text; “%(field)s” is not text.")
                              % {"where": where, "op": op, "field": name})
    if op in ("set", "not_set"):
        return {"field": name, "op": op}
    if name == "changed" and op in ("is", "is_not", "in"):
        items = value if isinstance(value, list) else [value]
        bad = [v for v in items if not (v in c.CHANGEABLE or str(v).startswith("field:"))]
        if bad:
            raise ValidationError(_("%(where)s: “%(value)s” is not something a ticket change "
                                    "changes (%(names)s, field:<key>).")
                                  % {"where": where, "value": bad[0],
                                     "names": ", ".join(c.CHANGEABLE)})
        return {"field": name, "op": op, "value": items}
    if name in c.HOURS_FIELDS:
        if op not in ("gt", "lt"):
            raise ValidationError(_("%(where)s: hours are compared with “more than” or “less "
                                    "than”.") % {"where": where})
        try:
            hours = float(str(value))
        except (TypeError, ValueError):
            hours = -1
        if not 0 < hours <= MAX_HOURS:
            raise ValidationError(_("%(where)s: hours are a number from 0 to %(max)s.")
                                  % {"where": where, "max": MAX_HOURS})
        return {"field": name, "op": op, "value": int(hours) if hours.is_integer() else hours}
    if value in (None, "", []):
        raise ValidationError(_("%(where)s: the condition needs a value.") % {"where": where})
    if op == "regex":
        try:
            regex.compile(str(value))
        except regex.error as e:
            raise ValidationError(_("%(where)s: the regular expression is not valid (%(err)s).")
                                  % {"where": where, "err": e}) from None
    if name in CHOICES and op in ("is", "is_not", "in"):
        bad = [v for v in (value if isinstance(value, list) else [value])
               if v not in CHOICES[name]]
        if bad:
            raise ValidationError(_("%(where)s: “%(value)s” is not a %(field)s.")
                                  % {"where": where, "value": bad[0], "field": name})
    return {"field": name, "op": op, "value": value}


def _ids_exist(model: Any, ids: list[Any], where: str, **extra: Any) -> None:
    wanted = {i for i in ids if i is not None}
    found = set(model.objects.filter(pk__in=wanted, **extra).values_list("pk", flat=True))
    if wanted - found:
        raise ValidationError(_("%(where)s: no such %(what)s: %(ids)s.") % {
            "where": where, "what": model._meta.verbose_name,
            "ids": ", ".join(str(i) for i in sorted(wanted - found))})


def _tags(value: Any, where: str) -> list[str]:
    if not (isinstance(value, list) and value and all(isinstance(t, str) and t.strip()
                                                      for t in value)):
        raise ValidationError(_("%(where)s: list the tags by name.") % {"where": where})
    return [t.strip() for t in value]


def action(item: Any, where: str) -> dict[str, Any]:
    if not isinstance(item, dict) or item.get("type") not in ACTION_TYPES:
        kind = item.get("type") if isinstance(item, dict) else item
        raise ValidationError(_("%(where)s: unknown action “%(type)s”.")
                              % {"where": where, "type": kind})
    kind = item["type"]
    if kind == "assign":
        targets = [k for k in ("agent_id", "responsible", "strategy") if item.get(k)]
        if len(targets) > 1 or not (targets or item.get("group_id")):
            raise ValidationError(_("%(where)s: assign to one agent, the client's agent or by "
                                    "a strategy, and/or to a group.") % {"where": where})
        if item.get("strategy") and (item["strategy"] not in STRATEGIES
                                     or not item.get("group_id")):
            raise ValidationError(_("%(where)s: a strategy is round_robin or least_loaded, "
                                    "within a group.") % {"where": where})
        _ids_exist(Agent, [item.get("agent_id")], where, is_active=True)
        _ids_exist(Group, [item.get("group_id")], where)
        return {k: item[k] for k in ("type", "agent_id", "group_id", "responsible", "strategy")
                if item.get(k) is not None}
    if kind in ("add_tags", "remove_tags"):
        return {"type": kind, "tags": _tags(item.get("tags"), where)}
    if kind in ("set_status", "set_priority", "set_type"):
        name = kind[len("set_"):]
        if item.get("value") not in CHOICES[name]:
            raise ValidationError(_("%(where)s: “%(value)s” is not a %(field)s.")
                                  % {"where": where, "value": item.get("value"), "field": name})
        return {"type": kind, "value": item["value"]}
    if kind == "set_field":
        if not CustomField.objects.filter(key=item.get("key"), is_active=True).exists():
            raise ValidationError(_("%(where)s: no such custom field “%(key)s”.")
                                  % {"where": where, "key": item.get("key")})
        return {"type": kind, "key": item["key"], "value": item.get("value")}
    if kind == "add_note":
        text = str(item.get("text") or "").strip()
        if not text:
            raise ValidationError(_("%(where)s: the note needs a text.") % {"where": where})
        return {"type": kind, "text": text[:10_000]}
    if kind == "notify":
        ids = item.get("agent_ids") or []
        if not (ids or item.get("assignee")):
            raise ValidationError(_("%(where)s: notify the assignee or listed agents.")
                                  % {"where": where})
        _ids_exist(Agent, ids, where, is_active=True)
        return {"type": kind, "agent_ids": ids, "assignee": bool(item.get("assignee")),
                "text": str(item.get("text") or "")[:500]}
    if kind == "reply_template":
        if not (isinstance(item.get("template_id"), int) and ReplyTemplate.objects.filter(
                pk=item["template_id"], is_active=True).exists()):
            raise ValidationError(_("%(where)s: no active reply template %(id)s.")
                                  % {"where": where, "id": item.get("template_id")})
        out: dict[str, Any] = {"type": kind, "template_id": item["template_id"]}
        if item.get("answer_within") is not None:
            out["answer_within"] = _seconds(item["answer_within"], where)
        return out
    if kind == "set_sla_policy":
        if not (isinstance(item.get("policy_id"), int)
                and SlaPolicy.objects.filter(pk=item["policy_id"]).exists()):
            raise ValidationError(_("%(where)s: no SLA policy %(id)s.")
                                  % {"where": where, "id": item.get("policy_id")})
        return {"type": kind, "policy_id": item["policy_id"]}
    if kind == "send_email":
        return _email(item, where)
    if kind == "http_request":
        return _http(item, where)
    return {"type": kind}


def _http(item: dict[str, Any], where: str) -> dict[str, Any]:
    method = str(item.get("method") or "POST").upper()
    url = str(item.get("url") or "").strip()
    if method not in METHODS:
        raise ValidationError(_("%(where)s: the method is one of %(methods)s.")
                              % {"where": where, "methods": ", ".join(METHODS)})
    if not url.lower().startswith(("http://", "https://")) or len(url) > 2000:
        raise ValidationError(_("%(where)s: the URL starts with http:// or https://.")
                              % {"where": where})
    headers = item.get("headers") or {}
    if not (isinstance(headers, dict) and all(
            isinstance(k, str) and isinstance(v, str) and k.strip()
            and not any(c in k + v for c in "\r\n") for k, v in headers.items())):
        raise ValidationError(_("%(where)s: headers are names and values on one line each.")
                              % {"where": where})
    out: dict[str, Any] = {"type": "http_request", "method": method, "url": url,
                           "headers": headers, "body": str(item.get("body") or "")[:100_000]}
    secret = item.get("secret")
    if secret is not None:
        if not isinstance(secret, str) or len(secret) < MIN_SECRET:
            raise ValidationError(_("%(where)s: a signing secret has %(min)s characters or "
                                    "more.") % {"where": where, "min": MIN_SECRET})
        out["secret"] = secret
    return out


def _seconds(value: Any, where: str) -> int:
    try:
        seconds = int(value)
    except (TypeError, ValueError):
        seconds = -1
    if not 60 <= seconds <= 90 * 86400:
        raise ValidationError(_("%(where)s: the promised answer time is a number of seconds "
                                "(a minute to 90 days).") % {"where": where})
    return seconds


def _email(item: dict[str, Any], where: str) -> dict[str, Any]:
    to = item.get("to")
    to = [to] if isinstance(to, str) else to
    if not (isinstance(to, list) and 0 < len(to) <= MAX_RECIPIENTS):
        raise ValidationError(_("%(where)s: send to 1 to %(max)s addresses.")
                              % {"where": where, "max": MAX_RECIPIENTS})
    clean_to = []
    for address in to:
        try:
            validate_email(str(address).strip())
        except ValidationError:
            raise ValidationError(_("%(where)s: “%(value)s” is not an email address.")
                                  % {"where": where, "value": address}) from None
        clean_to.append(str(address).strip().lower())
    subject, body = str(item.get("subject") or "").strip(), str(item.get("body") or "")
    if not subject or not body.strip():
        raise ValidationError(_("%(where)s: an email needs a subject and a text.")
                              % {"where": where})
    return {"type": "send_email", "to": clean_to, "subject": subject[:500],
            "body": body[:50_000]}


def clean(*, name: str, enabled: bool, mode: str, events: list[Any] | None,
          conditions: dict[str, Any] | None, actions: list[Any] | None, stop: bool,
          daily_cap: int | None = None) -> dict[str, Any]:
    """The API's rule shape → the model's fields. Raises ValidationError({field: …})."""
    errors: dict[str, list[str]] = {}
    out: dict[str, Any] = {"name": (name or "").strip()[:200], "enabled": bool(enabled),
                           "mode": mode, "stop": bool(stop), "events": [], "actions": [],
                           "conditions": {"all": [], "any": []}}
    if daily_cap is not None:
        out["daily_cap"] = daily_cap

    def check(key: str, fn: Any) -> None:
        try:
            fn()
        except ValidationError as e:
            errors.setdefault(key, []).extend(e.messages)

    if not out["name"]:
        errors["name"] = [_("A rule needs a name.")]
    if mode not in RuleMode.values:
        errors["mode"] = [_("Mode is event, time or manual.")]

    def _events() -> None:
        if mode != RuleMode.EVENT:
            return  # the scheduler or an agent runs it, not an event
        unknown = [e for e in events or [] if e not in EVENTS]
        if unknown:
            raise ValidationError(_("Unknown event “%(event)s”.") % {"event": unknown[0]})
        out["events"] = list(dict.fromkeys(events or []))
        if not out["events"]:
            raise ValidationError(_("An event rule names at least one event."))

    def _conditions() -> None:
        given = conditions or {}
        if not isinstance(given, dict) or set(given) - {"all", "any"}:
            raise ValidationError(_("Conditions are {\"all\": […], \"any\": […]}."))
        for group in ("all", "any"):
            items = given.get(group) or []
            if not isinstance(items, list) or len(items) > MAX_CONDITIONS:
                raise ValidationError(_("“%(group)s” is a list of at most %(max)s conditions.")
                                      % {"group": group, "max": MAX_CONDITIONS})
            out["conditions"][group] = [_condition(x, f"{group}[{i}]")
                                        for i, x in enumerate(items)]
        if mode == RuleMode.TIME and not any(
                x["field"] in c.HOURS_FIELDS and x["op"] == "gt"
                for x in out["conditions"]["all"]):
            # Its timers are laid from these; without one it could never come due.
            raise ValidationError(_("A time rule needs a condition “hours since … more than "
                                    "N” among the ones that must all hold."))

    def _actions() -> None:
        items = actions or []
        if not isinstance(items, list) or not items or len(items) > MAX_ACTIONS:
            raise ValidationError(_("A rule does 1 to %(max)s actions.") % {"max": MAX_ACTIONS})
        out["actions"] = [action(x, f"actions[{i}]") for i, x in enumerate(items)]

    check("events", _events)
    check("conditions", _conditions)
    check("actions", _actions)
    if errors:
        raise ValidationError(errors)
    return out
