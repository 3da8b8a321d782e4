"""Working-hours calendars [TM2]: the company's default and one per group where it differs.
The stored shape is the API's (``week`` of "HH:MM" pairs, ``days`` overriding dates), so an
admin's exported JSON round-trips; ``spec()`` compiles it for ``schedule``."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from helpwire.calendars import schedule
from helpwire.calendars.schedule import Rotation, Span, Spec

# (pk, updated_at) → the compiled spec with its per-day memo, shared by the process.
_compiled: dict[tuple[int, Any], Spec] = {}


class Calendar(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    time_zone = models.CharField(_("time zone"), max_length=64, default="Europe/Moscow")
    week = models.JSONField(_("hours per weekday"), default=dict, blank=True)
    rotation = models.JSONField(_("rotating schedule"), null=True, blank=True)
    holidays = models.CharField(
        _("public holidays"), max_length=8, blank=True,
        help_text=_("A country code (RU): its days off, transferred working days and short "
                    "pre-holiday days."))
    days = models.JSONField(_("custom days"), default=list, blank=True)
    is_default = models.BooleanField(_("company default"), default=False)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("working-hours calendar")
        verbose_name_plural = _("working-hours calendars")
        ordering = ["-is_default", "name"]
        constraints = [models.UniqueConstraint(fields=["is_default"], condition=Q(is_default=True),
                                               name="calendar_one_default")]

    def __str__(self) -> str:
        return self.name

    def spec(self) -> Spec:
        key = (self.pk, self.updated_at)
        if (known := _compiled.get(key)) is None:
            if len(_compiled) > 256:
                _compiled.clear()
            known = _compiled[key] = compile_spec(
                time_zone=self.time_zone, week=self.week, rotation=self.rotation,
                holidays=self.holidays, days=self.days)
        return known


def _spans(pairs: list[list[str]]) -> tuple[Span, ...]:
    return tuple(sorted(schedule.span(a, b) for a, b in pairs))


def compile_spec(*, time_zone: str, week: dict[str, list[list[str]]],
                 rotation: dict[str, Any] | None, holidays: str, days: list[dict[str, Any]]
                 ) -> Spec:
    """The stored (already validated) shape → a ``schedule.Spec``."""
    return Spec(
        time_zone=time_zone,
        week={d: _spans(week.get(d, [])) for d in schedule.WEEKDAYS},
        rotation=Rotation(start=date.fromisoformat(rotation["start"]), on=int(rotation["on"]),
                          off=int(rotation["off"]), hours=_spans(rotation["hours"]))
        if rotation else None,
        holidays=holidays or None,
        days={date.fromisoformat(d["date"]): _spans(d["hours"]) for d in days})
