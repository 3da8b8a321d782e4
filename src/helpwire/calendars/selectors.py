"""Which calendar's working time applies."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from helpwire.calendars import production, schedule
from helpwire.calendars.models import Calendar


def spec_for(*, calendar_id: int | None) -> schedule.Spec:
    """The given calendar, else the company default, else 24/7."""
    found = None
    if calendar_id is not None:
        found = Calendar.objects.filter(pk=calendar_id).first()
    if found is None:
        found = Calendar.objects.filter(is_default=True).first()
    return found.spec() if found else schedule.ALWAYS


def preview(*, spec: schedule.Spec, start: date, days: int) -> list[dict[str, Any]]:
    """Each day's hours from ``start`` and why they differ from the plain week: what the
    editor shows so a lead can check the holidays before an SLA relies on them."""
    country = production.country(spec.holidays) if spec.holidays else None
    rows = []
    for offset in range(days):
        day = start + timedelta(days=offset)
        reason = ""
        if day in spec.days:
            reason = "custom"
        elif country is not None and country.is_day_off(day):
            reason = "holiday"
        elif country is not None and country.works_as(day) is not None:
            reason = "moved"
        elif country is not None and country.is_short(day):
            reason = "short"
        rows.append({"date": day, "hours": schedule.spans_text(schedule.day_spans(spec, day)),
                     "reason": reason})
    return rows
