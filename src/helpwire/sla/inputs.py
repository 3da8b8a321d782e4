"""One validation for SLA policies [SL1], shared by the API and the policy screen: the
API's shape in, the model's fields out, or a ValidationError keyed by field."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from helpwire.calendars.models import Calendar
from helpwire.sla.models import METRICS, PAUSABLE
from helpwire.tickets.models import Priority

MAX_TARGET = 366 * 86400


def targets(value: Any) -> dict[str, dict[str, int]]:
    if not isinstance(value, dict) or not value:
        raise ValidationError(_("Give targets for at least one priority."))
    out: dict[str, dict[str, int]] = {}
    for priority, metrics in value.items():
        if priority not in Priority.values:
            raise ValidationError(_("“%(value)s” is not a priority (%(known)s).")
                                  % {"value": priority, "known": ", ".join(Priority.values)})
        if not isinstance(metrics, dict):
            raise ValidationError(_("%(priority)s: targets are {metric: seconds}.")
                                  % {"priority": priority})
        row: dict[str, int] = {}
        for metric, seconds in metrics.items():
            if metric not in METRICS:
                raise ValidationError(_("“%(value)s” is not a metric (%(known)s).")
                                      % {"value": metric, "known": ", ".join(METRICS)})
            if seconds is None:
                continue  # no target for this metric
            if isinstance(seconds, bool) or not isinstance(seconds, int) or not (
                    60 <= seconds <= MAX_TARGET):
                raise ValidationError(_("%(priority)s, %(metric)s: a target is whole seconds, "
                                        "a minute to a year.")
                                      % {"priority": priority, "metric": metric})
            row[metric] = seconds
        if row:
            out[priority] = row
    if not out:
        raise ValidationError(_("Give targets for at least one priority."))
    return out


def clean(*, name: str, calendar_id: int | None, targets_value: Any, warning_seconds: int,
          pause_on: list[Any], notes_count: bool) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    out: dict[str, Any] = {"name": (name or "").strip()[:200], "notes_count": bool(notes_count)}
    if not out["name"]:
        errors["name"] = [_("A policy needs a name.")]
    if calendar_id is not None and not Calendar.objects.filter(pk=calendar_id).exists():
        errors["calendar_id"] = [_("No such calendar.")]
    out["calendar_id"] = calendar_id
    try:
        out["targets"] = targets(targets_value)
    except ValidationError as e:
        errors["targets"] = e.messages
    if not isinstance(warning_seconds, int) or not 0 <= warning_seconds <= 7 * 86400:
        errors["warning_seconds"] = [_("The warning comes 0 seconds to a week before.")]
    out["warning_seconds"] = warning_seconds
    bad = [s for s in pause_on or [] if s not in PAUSABLE]
    if bad:
        errors["pause_on"] = [_("The clock pauses only while %(known)s.")
                              % {"known": ", ".join(PAUSABLE)}]
    out["pause_on"] = list(dict.fromkeys(pause_on or []))
    if errors:
        raise ValidationError(errors)
    return out
