"""A country's production calendar: its days off (the ``holidays`` package), and, shipped
beside it as editable data (``data/<cc>.json``), what the package does not know — Saturdays
made working days by decree and the shortened day before a public holiday [TM2].

A file of the same name in ``$HELPWIRE_DATA_DIR/calendars/`` replaces the shipped one, so an
instance can follow a new decree before an upgrade does.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

import holidays
from django.conf import settings

SHIPPED = Path(__file__).resolve().parent / "data"
WEEKDAY_INDEX = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}


@dataclass(frozen=True)
class Country:
    code: str
    working: dict[date, int]  # a decreed working day → the weekday whose hours it works
    short: frozenset[date]

    def is_day_off(self, day: date) -> bool:
        return day not in self.working and day in _days_off(self.code, day.year)

    def works_as(self, day: date) -> int | None:
        return self.working.get(day)

    def is_short(self, day: date) -> bool:
        return day in self.short


def codes() -> list[str]:
    """Countries a calendar may name: every one the holidays package knows."""
    return sorted(holidays.list_supported_countries())


@cache
def _days_off(code: str, year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays(code, years=year))


def _data_file(code: str) -> Path | None:
    name = f"{code.lower()}.json"
    local = Path(settings.DATA_DIR) / "calendars" / name
    for path in (local, SHIPPED / name):
        if path.is_file():
            return path
    return None


@cache
def country(code: str) -> Country:
    working: dict[date, int] = {}
    short: set[date] = set()
    path = _data_file(code)
    if path is not None:
        for year in json.loads(path.read_text(encoding="utf-8")).get("years", {}).values():
            for day, weekday in year.get("working", {}).items():
                working[date.fromisoformat(day)] = WEEKDAY_INDEX[weekday]
            short.update(date.fromisoformat(day) for day in year.get("short", []))
    return Country(code=code.upper(), working=working, short=frozenset(short))
