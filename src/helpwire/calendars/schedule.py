"""Working time [TM2]: is it working time at T, the next working moment after T, T plus N
working seconds, and the working seconds between two instants.

Pure Python over a `Spec` (what a calendar says), no database: SLA clocks, rules' "working
hours" conditions and the auto-reply's promised answer time all ask this one module.

How a day's hours are decided, first match wins:
1. the calendar's own days (``days``: a holiday, a short day, an extra working day);
2. with a country (``holidays="RU"``): its days off (the ``holidays`` package) are off; its
   transferred working days (shipped data, ``production.py``) work the hours of the weekday
   they stand in for;
3. the week (hours per weekday) or the rotation (``on`` days on, ``off`` days off from
   ``start``);
4. a country's short pre-holiday day ends its last span an hour early.

A span belongs to the day it starts on; ``["22:00", "08:00"]`` ends on the next day, and
``["00:00", "24:00"]`` is the whole day. Local times are turned into instants in the
calendar's time zone, so on a daylight-saving day a 09:00–18:00 span is 8 or 10 hours long
as the clock says, and a span starting inside a skipped hour starts when the clock jumps.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from helpwire.calendars import production

Span = tuple[int, int]  # minutes from the day's midnight; end may pass 1440 (next day)
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# A calendar with no working time at all in this many days answers "never" instead of
# walking on forever.
HORIZON_DAYS = 3 * 366
MEMO_DAYS = 4000


class NoWorkingTime(ValueError):
    """The calendar has no working time within the horizon."""


@dataclass(frozen=True)
class Rotation:
    start: date
    on: int
    off: int
    hours: tuple[Span, ...]


@dataclass(frozen=True)
class Spec:
    """What a calendar says. ``week`` maps "mon" … "sun" to spans; ``rotation`` replaces it."""

    time_zone: str = "UTC"
    week: dict[str, tuple[Span, ...]] = field(default_factory=dict)
    rotation: Rotation | None = None
    holidays: str | None = None
    days: dict[date, tuple[Span, ...]] = field(default_factory=dict)
    # Each day's intervals once computed; a spec is rebuilt when its calendar changes.
    memo: dict[date, tuple[tuple[datetime, datetime], ...]] = field(
        default_factory=dict, compare=False, repr=False)


ALWAYS = Spec(week={d: ((0, 1440),) for d in WEEKDAYS})  # 24/7: no calendar


def parse_time(text: str, *, end: bool = False) -> int:
    """"09:30" → 570 minutes; "24:00" only as an end."""
    hours, _, minutes = text.strip().partition(":")
    if not (hours.isdigit() and minutes.isdigit() and len(minutes) == 2 and len(hours) <= 2):
        raise ValueError(text)
    value = int(hours) * 60 + int(minutes)
    if int(minutes) >= 60 or value > (1440 if end else 1439):
        raise ValueError(text)
    return value


def span(start: str, end: str) -> Span:
    """A span from two clock times; an end at or before the start is on the next day."""
    a, b = parse_time(start), parse_time(end, end=True)
    if b <= a:
        b += 1440
    return (a, b)


def day_spans(spec: Spec, day: date) -> tuple[Span, ...]:
    """The spans of one local day, after custom days, holidays, transfers and short days."""
    if day in spec.days:
        return spec.days[day]
    country = production.country(spec.holidays) if spec.holidays else None
    if country is not None:
        if country.is_day_off(day):
            return ()
        stand_in = country.works_as(day)
        base = _regular(spec, day, weekday=stand_in)
        if country.is_short(day) and base:
            *rest, (a, b) = base
            return (*rest, (a, max(a, b - 60)))
        return base
    return _regular(spec, day)


def _regular(spec: Spec, day: date, *, weekday: int | None = None) -> tuple[Span, ...]:
    if spec.rotation is not None:
        r = spec.rotation
        cycle = r.on + r.off
        # A transferred working day of a rotating schedule works the rotation's hours.
        if weekday is not None or (cycle and (day - r.start).days % cycle < r.on):
            return r.hours
        return ()
    return spec.week.get(WEEKDAYS[day.weekday() if weekday is None else weekday], ())


def _instant(zone: ZoneInfo, day: date, minutes: int) -> datetime:
    local = datetime.combine(day + timedelta(days=minutes // 1440),
                             time(minutes % 1440 // 60, minutes % 60))
    return local.replace(tzinfo=zone).astimezone(UTC)


def _day_intervals(spec: Spec, day: date) -> tuple[tuple[datetime, datetime], ...]:
    if (known := spec.memo.get(day)) is not None:
        return known
    zone = ZoneInfo(spec.time_zone)
    out = []
    for a, b in sorted(day_spans(spec, day)):
        start, end = _instant(zone, day, a), _instant(zone, day, b)
        if end > start:
            out.append((start, end))
    if len(spec.memo) > MEMO_DAYS:
        spec.memo.clear()
    spec.memo[day] = tuple(out)
    return spec.memo[day]


def intervals(spec: Spec, since: datetime) -> Iterator[tuple[datetime, datetime]]:
    """Working intervals in time order, merged where they touch, starting with the one that
    holds ``since`` (or the first after it); ends after HORIZON_DAYS with nothing."""
    zone = ZoneInfo(spec.time_zone)
    day = since.astimezone(zone).date() - timedelta(days=1)  # yesterday's night shift
    current: tuple[datetime, datetime] | None = None
    idle = 0
    while idle < HORIZON_DAYS:
        found = _day_intervals(spec, day)
        idle = 0 if found else idle + 1
        for start, end in found:
            if current is not None and start <= current[1]:
                current = (current[0], max(current[1], end))
                continue
            if current is not None and current[1] > since:
                yield current
            current = (start, end)
        day += timedelta(days=1)
        # Later days start at their own midnight or later: what ends before it is final.
        if current is not None and current[1] <= _instant(zone, day, 0):
            if current[1] > since:
                yield current
            current = None
    if current is not None and current[1] > since:
        yield current


def is_working(spec: Spec, at: datetime) -> bool:
    for start, _end in intervals(spec, at):
        return start <= at
    return False


def next_working(spec: Spec, at: datetime) -> datetime:
    """``at`` itself when it is working time, else the start of the next working span."""
    for start, _end in intervals(spec, at):
        return max(start, at)
    raise NoWorkingTime(spec.time_zone)


def add_working(spec: Spec, at: datetime, seconds: float) -> datetime:
    """The instant at which ``seconds`` of working time have passed since ``at``."""
    left = timedelta(seconds=max(0.0, seconds))
    for start, end in intervals(spec, at):
        start = max(start, at)
        if start + left <= end:
            return start + left
        left -= end - start
    raise NoWorkingTime(spec.time_zone)


def working_seconds(spec: Spec, since: datetime, until: datetime) -> float:
    """Working seconds in [since, until); 0 when until is not after since."""
    total = 0.0
    if until <= since:
        return total
    for start, end in intervals(spec, since):
        if start >= until:
            break
        total += (min(end, until) - max(start, since)).total_seconds()
    return total


def minutes_text(minutes: int) -> str:
    """540 → "09:00"; 1440 → "24:00"; a next-day end 1920 → "08:00"."""
    if minutes == 1440:
        return "24:00"
    minutes %= 1440
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def spans_text(spans: tuple[Span, ...]) -> list[list[str]]:
    return [[minutes_text(a), minutes_text(b)] for a, b in spans]
