"""The rule editor [AU1]: conditions and actions as rows of plain-word choices and a value
box — names, not ids, and no JSON. The rows become the API's rule shape, checked by
``automation.rule_inputs.clean`` (the one validation the API uses too); ``initial`` turns a
stored rule back into rows. A hidden version refuses a save over someone else's."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.utils.translation import gettext_lazy as _

from helpwire.accounts.models import Agent, Group
from helpwire.automation import rule_inputs
from helpwire.automation.conditions import FIELD_LABELS, HOURS_FIELDS
from helpwire.automation.models import ReplyTemplate, Rule, RuleMode
from helpwire.clients.models import Company
from helpwire.connectors.models import Channel
from helpwire.mail.models import Mailbox
from helpwire.sla.models import SlaPolicy
from helpwire.tickets.history import FIELD_LABELS as HISTORY_LABELS
from helpwire.tickets.models import CustomField, Priority, Status, TicketType

ROWS_ALL, ROWS_ANY, ROWS_ACTIONS = 4, 3, 5
EVENT_LABELS = {
    "ticket.created": _("a ticket is created"), "message.received": _("the client writes again"),
    "reply.sent": _("an agent replies"), "note.added": _("an agent adds a note"),
    "ticket.changed": _("the ticket changes"), "reminder.fired": _("a reminder fires"),
    "sla.warning": _("an SLA deadline is near"), "sla.breached": _("an SLA deadline passed"),
    "rating.received": _("a client rated the ticket"),
    "sla.changed": _("the SLA policy changes"),
}
OP_LABELS = {
    "word_forms": _("has a word, in any form"), "contains": _("contains"),
    "phrase": _("has the phrase"), "regex": _("matches the regular expression"),
    "is": _("is"), "is_not": _("is not"), "in": _("is one of"), "gt": _("is more than"),
    "lt": _("is less than"), "set": _("is set"), "not_set": _("is not set"),
}
ACTION_LABELS = {
    "assign_agent": _("assign to the agent"), "assign_group": _("move to the group"),
    "assign_responsible": _("assign to the client's agent"),
    "round_robin": _("assign in turn within the group"),
    "least_loaded": _("assign to the least busy in the group"),
    "add_tags": _("add tags"), "remove_tags": _("remove tags"),
    "set_status": _("set status"), "set_priority": _("set priority"),
    "set_type": _("set type"), "set_field": _("set field (key = value)"),
    "add_note": _("add a private note"), "notify_assignee": _("notify the assignee"),
    "notify_agent": _("notify the agent"), "spam": _("mark as spam"),
    "reply_template": _("reply to the client with the template"),
    "send_email": _("send an email (address: subject | text)"),
    "http_request": _("send an HTTP request (METHOD URL | body)"),
    "archive": _("close into the archive"),
    "set_sla_policy": _("set the SLA policy"),
}
LIST_OPS = {"word_forms", "in"}
YES = {"yes", "true", "1", "да", "y"}
CHOICES: dict[str, Any] = {"status": Status, "priority": Priority, "type": TicketType}
# Fields whose value is an object, named in the box: how to find it by name and name it back.
NAMED: dict[str, tuple[type[Model], str]] = {
    "group": (Group, "name"), "assignee": (Agent, "name"), "channel": (Channel, "name"),
    "client.company": (Company, "name"), "client.responsible": (Agent, "name"),
    "mailbox": (Mailbox, "address"),
}


def _split(text: str) -> list[str]:
    return [p.strip() for p in (text or "").split(",") if p.strip()]


def _find(field: str, text: str) -> int:
    model, attr = NAMED[field]
    text = text.strip()
    for pk, name in model._default_manager.values_list("pk", attr):
        if str(name).casefold() == text.casefold() or str(pk) == text:
            return int(pk)
    raise ValidationError(_("Nothing named “%(name)s”.") % {"name": text})


def _name(field: str, pk: Any) -> str:
    model, attr = NAMED[field]
    found = model._default_manager.filter(pk=pk).values_list(attr, flat=True).first()
    return str(found) if found is not None else str(pk)


def _choice(kind: Any, text: str) -> str:
    for value, label in kind.choices:
        if text.strip().casefold() in (str(value).casefold(), str(label).casefold()):
            return str(value)
    return text.strip()


def _label(kind: Any, value: str) -> str:
    return str(dict(kind.choices).get(value, value))


def condition_value(field: str, op: str, text: str) -> Any:
    if op in ("set", "not_set"):
        return None
    convert: Callable[[str], Any] = str.strip
    if field in NAMED:
        convert = lambda t: _find(field, t)  # noqa: E731
    elif field in CHOICES:
        convert = lambda t: _choice(CHOICES[field], t)  # noqa: E731
    elif field in ("client.internal", "working_hours"):
        convert = lambda t: t.strip().casefold() in YES  # noqa: E731
    elif field in HOURS_FIELDS:
        convert = _hours
    elif field == "changed":
        convert = _changed_name
        return [convert(t) for t in _split(text)]
    return [convert(t) for t in _split(text)] if op in LIST_OPS else convert(text)


def _changed_name(text: str) -> str:
    """"статус" or "status" → "status" (history's names for what a change changed)."""
    text = text.strip()
    for name, label in HISTORY_LABELS.items():
        if text.casefold() in (name, str(label).casefold()):
            return name
    return text


def _hours(text: str) -> float | str:
    try:
        return float(text.strip().replace(",", "."))
    except ValueError:
        return text.strip()  # the one validation names the problem


def condition_text(field: str, op: str, value: Any) -> str:
    if value is None:
        return ""
    items = value if isinstance(value, list) else [value]
    if field == "changed":
        return ", ".join(str(HISTORY_LABELS.get(v, v)) for v in items)
    if field in NAMED:
        items = [_name(field, v) for v in items]
    elif field in CHOICES:
        items = [_label(CHOICES[field], v) for v in items]
    elif isinstance(value, bool):
        items = [_("yes") if value else _("no")]
    return ", ".join(str(i) for i in items)


def action_dict(kind: str, text: str) -> dict[str, Any]:
    text = (text or "").strip()
    simple: dict[str, Callable[[], dict[str, Any]]] = {
        "assign_agent": lambda: {"type": "assign", "agent_id": _find("assignee", text)},
        "assign_group": lambda: {"type": "assign", "group_id": _find("group", text)},
        "assign_responsible": lambda: {"type": "assign", "responsible": True},
        "round_robin": lambda: {"type": "assign", "group_id": _find("group", text),
                                "strategy": "round_robin"},
        "least_loaded": lambda: {"type": "assign", "group_id": _find("group", text),
                                 "strategy": "least_loaded"},
        "add_tags": lambda: {"type": "add_tags", "tags": _split(text.replace(";", ","))},
        "remove_tags": lambda: {"type": "remove_tags", "tags": _split(text.replace(";", ","))},
        "set_status": lambda: {"type": "set_status", "value": _choice(Status, text)},
        "set_priority": lambda: {"type": "set_priority", "value": _choice(Priority, text)},
        "set_type": lambda: {"type": "set_type", "value": _choice(TicketType, text)},
        "set_field": lambda: {"type": "set_field", "key": text.partition("=")[0].strip(),
                              "value": text.partition("=")[2].strip()},
        "add_note": lambda: {"type": "add_note", "text": text},
        "notify_assignee": lambda: {"type": "notify", "assignee": True, "text": text},
        "notify_agent": lambda: {"type": "notify", "agent_ids": [_find("assignee", text)]},
        "spam": lambda: {"type": "spam"},
        "reply_template": lambda: {"type": "reply_template", "template_id": _template(text)},
        "send_email": lambda: _email(text),
        "http_request": lambda: _request(text),
        "archive": lambda: {"type": "archive"},
        "set_sla_policy": lambda: {"type": "set_sla_policy", "policy_id": _policy(text)},
    }
    return simple[kind]()


def _policy(text: str) -> int:
    for pk, name in SlaPolicy.objects.values_list("pk", "name"):
        if name.casefold() == text.strip().casefold() or str(pk) == text.strip():
            return int(pk)
    raise ValidationError(_("No SLA policy “%(name)s”.") % {"name": text})


def _template(text: str) -> int:
    for pk, title in ReplyTemplate.objects.filter(is_active=True).values_list("pk", "title"):
        if title.casefold() == text.strip().casefold() or str(pk) == text.strip():
            return int(pk)
    raise ValidationError(_("No active reply template “%(name)s”.") % {"name": text})


def _email(text: str) -> dict[str, Any]:
    """"ops@shop.ru, boss@shop.ru: New claim #{{ticket.number}} | {{message.text}}"."""
    to, _sep, rest = text.partition(":")
    subject, _bar, body = rest.partition("|")
    return {"type": "send_email", "to": _split(to), "subject": subject.strip(),
            "body": body.strip()}


def _request(text: str) -> dict[str, Any]:
    """"POST https://api.telegram.org/bot…/sendMessage | {"chat_id": 1, "text": "…"}"."""
    head, _bar, body = text.partition("|")
    method, _space, url = head.strip().partition(" ")
    if not url.strip():
        method, url = "POST", method
    return {"type": "http_request", "method": method.upper(), "url": url.strip(),
            "headers": {}, "body": body.strip()}


def action_row(action: dict[str, Any]) -> tuple[str, str]:
    kind = action["type"]
    if kind == "http_request":
        body = f" | {action['body']}" if action.get("body") else ""
        return kind, f"{action['method']} {action['url']}{body}"
    if kind == "reply_template":
        title = ReplyTemplate.objects.filter(pk=action["template_id"]).values_list(
            "title", flat=True).first()
        return kind, title or str(action["template_id"])
    if kind == "send_email":
        return kind, f"{', '.join(action['to'])}: {action['subject']} | {action['body']}"
    if kind == "assign":
        if action.get("strategy"):
            return action["strategy"], _name("group", action["group_id"])
        if action.get("responsible"):
            return "assign_responsible", ""
        if action.get("agent_id"):
            return "assign_agent", _name("assignee", action["agent_id"])
        return "assign_group", _name("group", action.get("group_id"))
    if kind in ("add_tags", "remove_tags"):
        return kind, ", ".join(action["tags"])
    if kind in ("set_status", "set_priority", "set_type"):
        return kind, _label(CHOICES[kind[len("set_"):]], action["value"])
    if kind == "set_field":
        return kind, f"{action['key']} = {action['value']}"
    if kind == "add_note":
        return kind, action["text"]
    if kind == "set_sla_policy":
        name = SlaPolicy.objects.filter(pk=action["policy_id"]).values_list(
            "name", flat=True).first()
        return kind, name or str(action["policy_id"])
    if kind == "notify":
        if action.get("assignee"):
            return "notify_assignee", action.get("text", "")
        return "notify_agent", _name("assignee", (action.get("agent_ids") or [""])[0])
    return kind, ""


def actions_in_words(actions: list[dict[str, Any]]) -> str:
    """"add tags Оплата; set status solved" — for lists and the template picker."""
    out = []
    for action in actions or []:
        kind, value = action_row(action)
        out.append(f"{ACTION_LABELS.get(kind, kind)} {value}".strip())
    return "; ".join(out)


def _field_choices() -> list[tuple[str, Any]]:
    extra = [(f"field.{key}", label) for key, label in
             CustomField.objects.filter(is_active=True).values_list("key", "label")]
    return [("", "—"), *FIELD_LABELS.items(), *extra]


class RuleForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    enabled = forms.BooleanField(label=_("Enabled"), required=False, initial=True)
    mode = forms.ChoiceField(
        label=_("Runs"), choices=RuleMode.choices, initial=RuleMode.EVENT, required=False,
        help_text=_("On a schedule: checked as time passes on tickets still in work (needs "
                    "an “hours since … is more than” condition). By hand: run by an agent on "
                    "chosen tickets or a saved filter."))
    events = forms.MultipleChoiceField(label=_("When"), choices=list(EVENT_LABELS.items()),
                                       widget=forms.CheckboxSelectMultiple, required=False)
    stop = forms.BooleanField(label=_("Stop further rules when this one matches"),
                              required=False)
    daily_cap = forms.IntegerField(label=_("At most this many times a day per ticket"),
                                   min_value=1, max_value=1000, initial=20)
    version = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, rule: Rule | None = None, **kwargs: Any) -> None:
        self.rule = rule
        if rule is not None:
            kwargs.setdefault("initial", initial(rule))
        super().__init__(*args, **kwargs)
        # Enough rows for every stored condition and action plus blank ones: a rule made
        # through the API with more than the default rows must not lose any on save.
        stored = rule.conditions if rule is not None else {}
        self.counts = {"all": max(ROWS_ALL, len(stored.get("all", [])) + 2),
                       "any": max(ROWS_ANY, len(stored.get("any", [])) + 2),
                       "actions": max(ROWS_ACTIONS, len(rule.actions) + 2 if rule else 0)}
        fields = _field_choices()
        ops = [("", "—"), *OP_LABELS.items()]
        for group in ("all", "any"):
            for i in range(self.counts[group]):
                self.fields[f"{group}_{i}_field"] = forms.ChoiceField(
                    choices=fields, required=False, label=_("Field"))
                self.fields[f"{group}_{i}_op"] = forms.ChoiceField(
                    choices=ops, required=False, label=_("Comparison"))
                self.fields[f"{group}_{i}_value"] = forms.CharField(
                    required=False, max_length=2000, label=_("Value"))
        for i in range(self.counts["actions"]):
            self.fields[f"action_{i}_type"] = forms.ChoiceField(
                choices=[("", "—"), *ACTION_LABELS.items()], required=False, label=_("Action"))
            self.fields[f"action_{i}_value"] = forms.CharField(
                required=False, max_length=10_000, label=_("Value"))
        self.values: dict[str, Any] = {}

    def rows(self, group: str) -> list[list[forms.BoundField]]:
        return [[self[f"{group}_{i}_{part}"] for part in ("field", "op", "value")]
                for i in range(self.counts[group])]

    @property
    def all_rows(self) -> list[list[forms.BoundField]]:
        return self.rows("all")

    @property
    def any_rows(self) -> list[list[forms.BoundField]]:
        return self.rows("any")

    @property
    def action_rows(self) -> list[list[forms.BoundField]]:
        return [[self[f"action_{i}_type"], self[f"action_{i}_value"]]
                for i in range(self.counts["actions"])]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.rule is not None and data.get("version") != version(self.rule):
            raise ValidationError(_("Someone changed this rule after you opened it. Reload the "
                                    "page to see their changes; yours were not saved."),
                                  code="stale")
        shape: dict[str, Any] = {"all": [], "any": []}
        for group in ("all", "any"):
            for i in range(self.counts[group]):
                name, op = data.get(f"{group}_{i}_field"), data.get(f"{group}_{i}_op")
                text = data.get(f"{group}_{i}_value", "")
                if not name and not op and not text:
                    continue
                try:
                    value = condition_value(name or "", op or "", text)
                except ValidationError as e:
                    self.add_error(f"{group}_{i}_value", e)
                    continue
                shape[group].append({"field": name, "op": op, "value": value})
        actions = []
        for i in range(self.counts["actions"]):
            kind = data.get(f"action_{i}_type")
            if kind:
                try:
                    actions.append(action_dict(kind, data.get(f"action_{i}_value", "")))
                except ValidationError as e:
                    self.add_error(f"action_{i}_value", e)
        if self.errors:
            return data
        try:
            self.values = rule_inputs.clean(
                name=data.get("name", ""), enabled=data.get("enabled", False),
                mode=data.get("mode") or RuleMode.EVENT,
                events=data.get("events", []), conditions=shape, actions=actions,
                stop=data.get("stop", False), daily_cap=data.get("daily_cap"))
        except ValidationError as e:
            for name, errors in e.error_dict.items():
                self.add_error(name if name in self.fields else None, errors)
        return data


def version(rule: Rule) -> str:
    return rule.updated_at.isoformat()


def initial(rule: Rule) -> dict[str, Any]:
    out: dict[str, Any] = {"name": rule.name, "enabled": rule.enabled, "mode": rule.mode,
                           "events": rule.events,
                           "stop": rule.stop, "daily_cap": rule.daily_cap,
                           "version": version(rule)}
    for group in ("all", "any"):
        for i, c in enumerate((rule.conditions or {}).get(group, [])):
            out[f"{group}_{i}_field"], out[f"{group}_{i}_op"] = c["field"], c["op"]
            out[f"{group}_{i}_value"] = condition_text(c["field"], c["op"], c.get("value"))
    for i, action in enumerate(rule.actions):
        out[f"action_{i}_type"], out[f"action_{i}_value"] = action_row(action)
    return out


class TryForm(forms.Form):
    number = forms.IntegerField(label=_("Ticket number"), min_value=1, required=False)
