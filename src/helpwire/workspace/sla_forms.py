"""The SLA policy editor [SL1 SL5]: targets as a grid of priorities by metrics, in minutes
(no JSON, no seconds), checked by ``sla.inputs.clean`` — the API's one validation."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from helpwire.calendars.models import Calendar
from helpwire.sla import inputs
from helpwire.sla.models import METRICS, SlaPolicy
from helpwire.tickets.models import Priority

METRIC_LABELS = {"first_response": _("First response"), "next_response": _("Next response"),
                 "resolution": _("Resolution")}


def cell(priority: str, metric: str) -> str:
    return f"t_{priority}_{metric}"


class SlaPolicyForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    calendar = forms.ModelChoiceField(
        queryset=Calendar.objects.all(), required=False, label=_("Working hours"),
        empty_label=_("Round the clock, every day"),
        help_text=_("Targets count working time of this calendar."))
    warning_minutes = forms.IntegerField(
        label=_("Warn this many minutes before the deadline"), min_value=0, max_value=10080,
        initial=15)
    pause_pending = forms.BooleanField(label=_("Pause the clock while pending"),
                                       required=False, initial=True)
    pause_on_hold = forms.BooleanField(label=_("Pause the clock while on hold"),
                                       required=False, initial=True)
    notes_count = forms.BooleanField(label=_("A private note counts as a response"),
                                     required=False)
    is_default = forms.BooleanField(label=_("The default policy (groups without their own)"),
                                    required=False)
    version = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, policy: SlaPolicy | None = None, **kwargs: Any) -> None:
        self.policy = policy
        if policy is not None:
            initial: dict[str, Any] = {
                "name": policy.name, "calendar": policy.calendar_id,
                "warning_minutes": policy.warning_seconds // 60,
                "pause_pending": "pending" in policy.pause_on,
                "pause_on_hold": "on_hold" in policy.pause_on,
                "notes_count": policy.notes_count, "is_default": policy.is_default,
                "version": policy.updated_at.isoformat()}
            for priority, row in (policy.targets or {}).items():
                for metric, seconds in row.items():
                    initial[cell(priority, metric)] = seconds // 60
            kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        for priority, _label in Priority.choices:
            for metric in METRICS:
                self.fields[cell(priority, metric)] = forms.IntegerField(
                    required=False, min_value=1, max_value=366 * 1440,
                    label=f"{Priority(priority).label}: {METRIC_LABELS[metric]}")
        self.values: dict[str, Any] = {}

    @property
    def grid(self) -> list[tuple[str, list[forms.BoundField]]]:
        return [(str(label), [self[cell(priority, metric)] for metric in METRICS])
                for priority, label in Priority.choices]

    @property
    def metric_labels(self) -> list[str]:
        return [str(METRIC_LABELS[m]) for m in METRICS]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.policy is not None and data.get("version") != self.policy.updated_at.isoformat():
            raise ValidationError(_("Someone changed this policy after you opened it. Reload "
                                    "the page to see their changes; yours were not saved."))
        targets = {p: {m: data[cell(p, m)] * 60 for m in METRICS if data.get(cell(p, m))}
                   for p in Priority.values}
        pause = [s for s, on in (("pending", data.get("pause_pending")),
                                 ("on_hold", data.get("pause_on_hold"))) if on]
        try:
            self.values = inputs.clean(
                name=data.get("name", ""),
                calendar_id=data["calendar"].pk if data.get("calendar") else None,
                targets_value={p: row for p, row in targets.items() if row},
                warning_seconds=(data.get("warning_minutes") or 0) * 60, pause_on=pause,
                notes_count=bool(data.get("notes_count")))
        except ValidationError as e:
            for name, errors in e.error_dict.items():
                self.add_error(name if name in self.fields else None, errors)
        return data
