"""The arithmetic of one SLA clock in working time [SL1 SL2], pure: no database, no "now"
but the one passed in.

A clock is its start, its target in working seconds and the spells it was paused (a ticket
pending or on hold); the last spell may still be open. Everything else is derived, never
accumulated: the working time used is the calendar's working seconds from the start to now
less those inside the pauses. So a policy switch ("measured from the original start": the
new group's calendar and target over the same history) or a priority change is simply the
same clock read with another calendar or target — nothing to migrate, nothing to drift.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from helpwire.calendars import schedule

Pause = tuple[datetime, datetime | None]  # an open pause has no end yet

RUNNING, WARNING, PAUSED, MET, BREACHED = "running", "warning", "paused", "met", "breached"


@dataclass(frozen=True)
class Clock:
    start: datetime
    target_s: float
    pauses: tuple[Pause, ...] = field(default=())
    met_at: datetime | None = None

    @property
    def paused(self) -> bool:
        return bool(self.pauses) and self.pauses[-1][1] is None


def normalise(pauses: Sequence[Pause]) -> tuple[Pause, ...]:
    """Sorted, merged where they overlap or touch; only the last may be open."""
    out: list[list[datetime | None]] = []
    for begin, end in sorted(pauses, key=lambda p: p[0]):
        if out and (out[-1][1] is None or begin <= out[-1][1]):  # type: ignore[operator]
            last_end = out[-1][1]
            out[-1][1] = None if (end is None or last_end is None) else max(last_end, end)
            continue
        out.append([begin, end])
    return tuple((b, e) for b, e in out)  # type: ignore[misc]


def used(spec: schedule.Spec, clock: Clock, now: datetime) -> float:
    """Working seconds the clock has run by ``now`` (or by when it was met)."""
    until = min(now, clock.met_at) if clock.met_at else now
    if until <= clock.start:
        return 0.0
    total = schedule.working_seconds(spec, clock.start, until)
    for begin, end in clock.pauses:
        begin, end = max(begin, clock.start), min(end or until, until)
        if end > begin:
            total -= schedule.working_seconds(spec, begin, end)
    return max(0.0, total)


def due_at(spec: schedule.Spec, clock: Clock) -> datetime | None:
    """When the target is reached if nothing pauses it again; None while paused or met."""
    if clock.met_at is not None or clock.paused:
        return None
    left, at = float(clock.target_s), clock.start
    for begin, end in clock.pauses:
        if end is None or end <= at:
            continue
        begin = max(begin, at)
        run = schedule.working_seconds(spec, at, begin)
        if run >= left:
            return schedule.add_working(spec, at, left)
        left -= run
        at = end
    return schedule.add_working(spec, at, left)


@dataclass(frozen=True)
class Reading:
    state: str
    remaining_s: float  # negative once breached: the time over; frozen while paused
    due_at: datetime | None


def read(spec: schedule.Spec, clock: Clock, now: datetime, *,
         warning_s: float = 900) -> Reading:
    """The clock as the API shows it: ``running``, ``warning`` (inside the warning window),
    ``paused``, ``met`` or ``breached``, with the working seconds left."""
    remaining = clock.target_s - used(spec, clock, now)
    if clock.met_at is not None:
        return Reading(MET if remaining >= 0 else BREACHED, remaining, None)
    if remaining < 0:
        return Reading(BREACHED, remaining, due_at(spec, clock))
    if clock.paused:
        return Reading(PAUSED, remaining, None)
    return Reading(WARNING if remaining <= warning_s else RUNNING, remaining,
                   due_at(spec, clock))


def hours_minutes(seconds: float, *, signed: bool = True) -> str:
    """Working seconds as "1:05"; the time over as "-0:15" (or without its sign)."""
    minutes = int(abs(seconds)) // 60
    sign = "-" if signed and seconds < 0 else ""
    return f"{sign}{minutes // 60}:{minutes % 60:02d}"
