"""The one input layer for ticket verbs: a form per verb that the workspace and the API both
fill (the workspace from its POST, the API from its JSON schema), so an unknown agent or
group id, a bad status or a channel the ticket cannot use is the same error everywhere —
never a silent "nobody" in one place and a 400 in the other.

A form takes plain values: ids as strings or ints, ``"none"`` (or, from a select box, ``""``)
for "nobody" / "no group". ``values()`` gives the keyword arguments of the action, only
for what was sent, and raises ``ValidationError`` with the first problem's code.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, time, timedelta
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from helpwire.accounts.models import Agent, Group
from helpwire.connectors.models import Channel
from helpwire.core.forms import IdListField
from helpwire.tickets.actions import SETTABLE_STATUSES
from helpwire.tickets.fields import clean_value
from helpwire.tickets.models import CustomField, FieldKind, Priority, Status, TicketType

NOBODY = ("", "none", "0", None)
_SETTABLE = [(s, label) for s, label in Status.choices if s in SETTABLE_STATUSES]


class VerbForm(forms.Form):
    """A form whose errors become one coded ``ValidationError``."""

    def valid_data(self) -> dict[str, Any]:
        if not self.is_valid():
            for field, errors in self.errors.as_data().items():
                first = errors[0]
                label = self.fields[field].label if field in self.fields else ""
                label = "" if field == "__all__" else label
                message = "; ".join(first.messages)
                raise ValidationError(f"{label}: {message}" if label else message,
                                      code=first.code or f"invalid_{field}")
        return self.cleaned_data


def _agent(value: Any) -> Agent | None:
    if value in NOBODY:
        return None
    agent = Agent.objects.filter(pk=int(value)).first() if str(value).isdigit() else None
    if agent is None:
        raise ValidationError(_("No agent with id %(id)s."), code="invalid_assignee",
                              params={"id": value})
    return agent


def _group(value: Any) -> Group | None:
    if value in NOBODY:
        return None
    group = Group.objects.filter(pk=int(value)).first() if str(value).isdigit() else None
    if group is None:
        raise ValidationError(_("No group with id %(id)s."), code="invalid_group",
                              params={"id": value})
    return group


class TicketChangeForm(VerbForm):
    """``update_ticket``: any of a ticket's attributes.

    ``expected`` carries the values the person saw (the panel posts them back in hidden
    inputs; the API takes them as ``expected``). A field sent with the value it was seen with
    was not touched and is dropped, so a panel that posts every field never writes back a
    stale one; for a field that was changed, the seen value goes to the action, which
    refuses (``TicketChanged``) if the ticket moved on meanwhile."""

    subject = forms.CharField(label=gettext_lazy("Subject"), required=False, max_length=500)
    status = forms.ChoiceField(label=gettext_lazy("Status"), required=False, choices=_SETTABLE)
    priority = forms.ChoiceField(label=gettext_lazy("Priority"), required=False,
                                 choices=Priority.choices)
    type = forms.ChoiceField(label=gettext_lazy("Type"), required=False,
                             choices=TicketType.choices)
    assignee = forms.CharField(label=gettext_lazy("Assignee"), required=False)
    group = forms.CharField(label=gettext_lazy("Group"), required=False)

    def __init__(self, data: Mapping[str, Any], *, add_tags: list[str] | None = None,
                 remove_tags: list[str] | None = None,
                 field_values: Mapping[str, Any] | None = None,
                 expected: Mapping[str, Any] | None = None,
                 expected_fields: Mapping[str, Any] | None = None) -> None:
        self.sent = {k for k, v in data.items() if k in self.base_fields
                     and not (k in ("status", "priority", "type", "subject") and v in ("", None))}
        super().__init__({k: "" if v is None else v for k, v in data.items()})
        self.add_tags = [t for t in (add_tags or []) if t and t.strip()]
        self.remove_tags = [t for t in (remove_tags or []) if t and t.strip()]
        self.field_values = dict(field_values or {})
        self.expected = dict(expected or {})
        self.expected_fields = dict(expected_fields or {})

    def clean_assignee(self) -> Agent | None:
        return _agent(self.cleaned_data.get("assignee")) if "assignee" in self.sent else None

    def clean_group(self) -> Group | None:
        return _group(self.cleaned_data.get("group")) if "group" in self.sent else None

    def _seen(self, name: str) -> Any:
        raw = self.expected[name]
        if name == "assignee":
            return None if raw in NOBODY else int(raw)
        if name == "group":
            return None if raw in NOBODY else int(raw)
        return "" if raw is None else str(raw)

    def values(self) -> dict[str, Any]:
        data = self.valid_data()
        out: dict[str, Any] = {}
        expected: dict[str, Any] = {}
        for name in self.sent:
            value = data[name]
            if name in self.expected:
                seen = self._seen(name)
                now = value.pk if name in ("assignee", "group") and value else value
                if now == seen:
                    continue  # sent back as it was seen: not touched
                expected[name] = seen
            out[name] = value
        fields = self._changed_fields(expected)
        if fields:
            out["field_values"] = fields
        if self.add_tags:
            out["add_tags"] = self.add_tags
        if self.remove_tags:
            out["remove_tags"] = self.remove_tags
        if expected:
            out["expected"] = expected
        return out

    def _changed_fields(self, expected: dict[str, Any]) -> dict[str, Any]:
        if not self.expected_fields:
            return self.field_values
        defs = {f.key: f for f in CustomField.objects.filter(key__in=list(self.field_values))}
        out = {}
        for key, raw in self.field_values.items():
            field = defs.get(key)
            if field is None or key not in self.expected_fields:
                out[key] = raw
                continue
            value = clean_value(field, raw)
            try:
                seen = clean_value(field, self.expected_fields[key])
            except ValidationError:  # an option removed since: compare as it was stored
                seen = self.expected_fields[key]
            same = (bool(value) == bool(seen) if field.kind == FieldKind.CHECKBOX
                    else value == seen)
            if same:
                continue
            out[key] = raw
            expected[f"field:{key}"] = seen
        return out


class ReplyForm(VerbForm):
    """``reply``: a reply or a private note, maybe with a status, maybe via another channel."""

    body = forms.CharField(label=gettext_lazy("Message"), required=False, strip=False)
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), required=False,
                             choices=[("reply", "reply"), ("note", "note")])
    status = forms.ChoiceField(label=gettext_lazy("Status"), required=False, choices=_SETTABLE)
    channel = forms.CharField(label=gettext_lazy("Channel"), required=False)
    # Email copies, comma-separated [CH1]; the email connector sends them, others ignore them.
    cc = forms.CharField(label=gettext_lazy("Copy"), required=False, max_length=2000)
    bcc = forms.CharField(label=gettext_lazy("Blind copy"), required=False, max_length=2000)
    # Templates the reply was made from: their actions apply when it is sent [TK7].
    templates = IdListField(required=False)

    def clean_kind(self) -> str:
        return self.cleaned_data.get("kind") or "reply"

    def _addresses(self, name: str) -> list[str]:
        """Split only: ``reply`` checks and normalises the addresses, for every caller."""
        return [v for v in re.split(r"[,;\s]+", self.cleaned_data.get(name) or "") if v]

    def clean_cc(self) -> list[str]:
        return self._addresses("cc")

    def clean_bcc(self) -> list[str]:
        return self._addresses("bcc")

    def clean_status(self) -> str | None:
        return self.cleaned_data.get("status") or None

    def clean_channel(self) -> Channel | None:
        raw = self.cleaned_data.get("channel")
        if raw in NOBODY:
            return None
        channel = Channel.objects.filter(pk=int(raw), is_active=True).first() if str(
            raw).isdigit() else None
        if channel is None:
            raise ValidationError(_("No active channel with id %(id)s."),
                                  code="invalid_channel", params={"id": raw})
        return channel

    def values(self) -> dict[str, Any]:
        data = self.valid_data()
        return {"text": data["body"], "kind": data["kind"], "status": data["status"],
                "channel": data["channel"], "cc": data["cc"], "bcc": data["bcc"]}

    def template_ids(self) -> list[int]:
        return list(self.valid_data().get("templates") or [])


PRESETS = [("1h", gettext_lazy("In an hour")), ("tomorrow", gettext_lazy("Tomorrow 10:00")),
           ("monday", gettext_lazy("Monday 10:00"))]


def preset_moment(preset: str, now: datetime) -> datetime:
    """A preset in the current (the agent's) time zone: in an hour, tomorrow at 10, next
    Monday at 10 (a week on when today is Monday)."""
    local = timezone.localtime(now)
    if preset == "1h":
        return now + timedelta(hours=1)
    days = 1 if preset == "tomorrow" else (7 - local.weekday()) or 7
    day = (local + timedelta(days=days)).date()
    return timezone.make_aware(datetime.combine(day, time(10, 0)))


class ReminderForm(VerbForm):
    """``set_reminder``: a moment, read in the agent's own time zone when it has none, or a
    preset."""

    remind_at = forms.DateTimeField(label=gettext_lazy("Remind at"), required=False)
    preset = forms.ChoiceField(label=gettext_lazy("Preset"), required=False, choices=PRESETS)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("preset"):
            data["remind_at"] = preset_moment(data["preset"], timezone.now())
        elif data.get("remind_at") is None:
            raise ValidationError(_("Choose the date and time of the reminder."),
                                  code="invalid_reminder")
        at: datetime = data["remind_at"]
        data["remind_at"] = timezone.make_aware(at) if timezone.is_naive(at) else at
        return data

    def values(self) -> dict[str, Any]:
        return {"at": self.valid_data()["remind_at"]}
