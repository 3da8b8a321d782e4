"""One validation for calendars, shared by the API and the settings screen: both hand the
API's shape to ``clean`` and get back what is stored, or a ValidationError keyed by field.
The screen's text boxes ("09:00–13:00, 14:00–18:00") are turned into that shape here too."""

from __future__ import annotations

import itertools
import re
from datetime import date
from typing import Any
from zoneinfo import available_timezones

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from helpwire.calendars import production, schedule
from helpwire.calendars.models import Calendar

MAX_CYCLE = 60
_DASH = re.compile(r"\s*[-–—]\s*")


def hours(value: Any, where: str) -> list[list[str]]:
    """A list of [start, end] clock pairs, checked, sorted, not overlapping."""
    if not isinstance(value, list):
        raise ValidationError(_("%(where)s: expected a list of [start, end] pairs.")
                              % {"where": where})
    spans = []
    for pair in value:
        if not (isinstance(pair, list | tuple) and len(pair) == 2
                and all(isinstance(p, str) for p in pair)):
            raise ValidationError(_("%(where)s: expected a list of [start, end] pairs.")
                                  % {"where": where})
        try:
            spans.append(schedule.span(*pair))
        except ValueError:
            raise ValidationError(
                _("%(where)s: “%(start)s–%(end)s” is not a pair of times like 09:00–18:00.")
                % {"where": where, "start": pair[0], "end": pair[1]}) from None
    spans.sort()
    for (_a, b), (c, _d) in itertools.pairwise(spans):
        if c < b:
            raise ValidationError(_("%(where)s: the hours overlap.") % {"where": where})
    return schedule.spans_text(tuple(spans))


def _day(value: Any, where: str) -> date:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ValidationError(_("%(where)s: “%(value)s” is not a date like 2026-12-31.")
                              % {"where": where, "value": value}) from None


def clean(*, name: str, time_zone: str, week: dict[str, Any] | None,
          rotation: dict[str, Any] | None, holidays: str | None, days: list[Any] | None,
          instance: Calendar | None = None) -> dict[str, Any]:
    """The API's calendar shape → the model's fields. Raises ValidationError({field: …})."""
    errors: dict[str, str] = {}
    out: dict[str, Any] = {"name": (name or "").strip(), "week": {}, "rotation": None,
                           "holidays": (holidays or "").strip().upper(), "days": [],
                           "time_zone": (time_zone or "").strip()}
    if not out["name"]:
        errors["name"] = _("A calendar needs a name.")
    elif Calendar.objects.filter(name=out["name"]).exclude(
            pk=instance.pk if instance else 0).exists():
        errors["name"] = _("Another calendar has this name.")
    if out["time_zone"] not in available_timezones():
        errors["time_zone"] = _("“%(zone)s” is not a time zone like Europe/Moscow.") % {
            "zone": out["time_zone"]}
    if out["holidays"] and out["holidays"] not in production.codes():
        errors["holidays"] = _("“%(code)s” is not a country code the holiday calendar "
                               "knows.") % {"code": out["holidays"]}
    try:
        if rotation:
            out["rotation"] = _rotation(rotation)
        else:
            unknown = set(week or {}) - set(schedule.WEEKDAYS)
            if unknown:
                raise ValidationError(_("Unknown weekday “%(day)s”: use mon … sun.")
                                      % {"day": sorted(unknown)[0]})
            out["week"] = {d: hours((week or {}).get(d, []), d) for d in schedule.WEEKDAYS}
            if not any(out["week"].values()):
                raise ValidationError(_("The week has no working hours."))
    except ValidationError as e:
        errors["rotation" if rotation else "week"] = " ".join(e.messages)
    try:
        out["days"] = _days(days or [])
    except ValidationError as e:
        errors["days"] = " ".join(e.messages)
    if errors:
        raise ValidationError(errors)
    return out


def _rotation(value: dict[str, Any]) -> dict[str, Any]:
    start = _day(value.get("start"), _("rotation start"))
    try:
        on, off = int(value.get("on", 0)), int(value.get("off", 0))
    except (TypeError, ValueError):
        on = off = -1
    if on < 1 or off < 0 or on + off > MAX_CYCLE:
        raise ValidationError(_("A rotation works 1 or more days, then rests 0 or more, "
                                "%(max)s days in all at most.") % {"max": MAX_CYCLE})
    shift = hours(value.get("hours", []), _("rotation hours"))
    if not shift:
        raise ValidationError(_("The rotation has no working hours."))
    return {"start": start.isoformat(), "on": on, "off": off, "hours": shift}


def _days(value: list[Any]) -> list[dict[str, Any]]:
    seen: dict[str, dict[str, Any]] = {}
    for item in value:
        if not isinstance(item, dict):
            raise ValidationError(_("Each custom day is {\"date\", \"hours\"}."))
        day = _day(item.get("date"), _("custom day")).isoformat()
        if day in seen:
            raise ValidationError(_("%(day)s is listed twice.") % {"day": day})
        seen[day] = {"date": day, "hours": hours(item.get("hours", []), day)}
    return [seen[d] for d in sorted(seen)]


# --- the screen's text boxes -------------------------------------------------------------------


def spans_from_text(text: str, where: str) -> list[list[str]]:
    """"09:00–13:00, 14:00–18:00" → [["09:00", "13:00"], ["14:00", "18:00"]]; "" → []."""
    pairs = []
    for part in filter(None, (p.strip() for p in re.split(r"[,;]", text or ""))):
        bits = _DASH.split(part)
        if len(bits) != 2:
            raise ValidationError(_("%(where)s: “%(part)s” is not a span like 09:00–18:00.")
                                  % {"where": where, "part": part})
        pairs.append(bits)
    return pairs


def spans_to_text(pairs: list[list[str]]) -> str:
    return ", ".join(f"{a}–{b}" for a, b in pairs)


def days_from_text(text: str) -> list[dict[str, Any]]:
    """One date a line: "2026-12-31: off" or "2026-12-27: 10:00–15:00"."""
    out = []
    for line in filter(None, (x.strip() for x in (text or "").splitlines())):
        day, _sep, rest = line.partition(" ")
        day = day.rstrip(":")
        rest = rest.strip().lstrip(":").strip()
        day_off = {"off", "-", pgettext("a calendar day", "off")}
        hours = [] if not rest or rest.lower() in day_off else spans_from_text(rest, day)
        out.append({"date": day, "hours": hours})
    return out


def days_to_text(days: list[dict[str, Any]]) -> str:
    off = pgettext("a calendar day", "off")
    return "\n".join(f"{d['date']}: {spans_to_text(d['hours']) if d['hours'] else off}"
                     for d in days)
