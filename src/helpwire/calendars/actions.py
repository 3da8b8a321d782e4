"""Writes on calendars: create, change, delete, make default. Settings objects, one
transaction each; a calendar a group uses cannot be deleted (the caller is told which)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone

from helpwire.calendars.models import Calendar


class CalendarInUse(Exception):
    def __init__(self, users: list[str]) -> None:
        super().__init__(", ".join(users))
        self.users = users


@transaction.atomic
def save_calendar(*, values: dict[str, Any], calendar: Calendar | None = None,
                  is_default: bool | None = None) -> Calendar:
    """Create (``calendar=None``) or replace a calendar with values from ``inputs.clean``."""
    calendar = calendar or Calendar()
    for name, value in values.items():
        setattr(calendar, name, value)
    calendar.updated_at = timezone.now()
    if is_default:
        Calendar.objects.filter(is_default=True).exclude(pk=calendar.pk).update(is_default=False)
        calendar.is_default = True
    elif is_default is False:
        calendar.is_default = False
    elif calendar.pk is None and not Calendar.objects.filter(is_default=True).exists():
        calendar.is_default = True  # the first calendar is the company's
    calendar.save()
    return calendar


@transaction.atomic
def delete_calendar(*, calendar: Calendar) -> None:
    """Refused while a group uses it: its deadlines would move silently."""
    try:
        calendar.delete()
    except ProtectedError as e:
        raise CalendarInUse(sorted(str(o) for o in e.protected_objects)) from None
