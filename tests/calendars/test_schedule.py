"""Working-time arithmetic [TM2]: concrete days a support lead would check by hand, then
properties over random calendars, zones with daylight saving, holidays and night shifts."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpwire.calendars import schedule
from helpwire.calendars.schedule import NoWorkingTime, Rotation, Spec

MSK = ZoneInfo("Europe/Moscow")
OFFICE = ((540, 780), (840, 1080))  # 09:00–13:00, 14:00–18:00
WEEKDAYS_ONLY = {d: OFFICE for d in ("mon", "tue", "wed", "thu", "fri")}


def msk(*args: int) -> datetime:
    return datetime(*args, tzinfo=MSK)


def office(**extra) -> Spec:
    return Spec(time_zone="Europe/Moscow", week=WEEKDAYS_ONLY, **extra)


def test_it_carries_friday_evening_work_over_to_monday_morning():
    assert schedule.add_working(office(), msk(2026, 12, 4, 17, 30), 3600) == msk(2026, 12, 7, 9, 30)


def test_it_skips_the_lunch_break():
    spec = office()
    assert schedule.add_working(spec, msk(2026, 12, 2, 12, 30), 3600) == msk(2026, 12, 2, 14, 30)
    assert not schedule.is_working(spec, msk(2026, 12, 2, 13, 30))
    assert schedule.next_working(spec, msk(2026, 12, 2, 13, 30)) == msk(2026, 12, 2, 14)


def test_it_rests_on_the_russian_new_year_holidays_and_the_moved_day_off():
    spec = office(holidays="RU")
    # 1–8 January are holidays, 9 January 2026 is the day off moved from 3 January.
    assert schedule.next_working(spec, msk(2025, 12, 30, 18)) == msk(2026, 1, 12, 9)
    assert not schedule.is_working(spec, msk(2026, 12, 31, 10))  # moved from 4 January


def test_it_ends_a_short_pre_holiday_day_an_hour_early():
    spec = office(holidays="RU")
    assert schedule.is_working(spec, msk(2026, 4, 30, 16, 59))
    assert not schedule.is_working(spec, msk(2026, 4, 30, 17, 0))
    assert schedule.is_working(spec, msk(2026, 4, 29, 17, 30))  # an ordinary Wednesday


def test_it_works_a_decreed_saturday_with_mondays_hours():
    spec = Spec(time_zone="Europe/Moscow", week={**WEEKDAYS_ONLY, "mon": ((480, 1020),)},
                holidays="RU")
    assert schedule.is_working(spec, msk(2027, 2, 20, 8, 30))  # Saturday, working by decree
    assert not schedule.is_working(spec, msk(2027, 2, 22, 10))  # the Monday it was moved to
    assert not schedule.is_working(spec, msk(2027, 2, 27, 10))  # an ordinary Saturday


def test_it_lets_a_custom_day_override_the_country():
    spec = office(holidays="RU", days={date(2026, 1, 5): ((600, 900),),
                                       date(2026, 12, 30): ()})
    assert schedule.is_working(spec, msk(2026, 1, 5, 10))
    assert not schedule.is_working(spec, msk(2026, 1, 5, 9, 30))
    assert not schedule.is_working(spec, msk(2026, 12, 30, 10))


def test_it_counts_a_night_shift_on_the_day_it_starts():
    spec = Spec(time_zone="Europe/Moscow", week={"mon": ((1320, 1920),)})  # Mon 22:00–Tue 08:00
    assert schedule.is_working(spec, msk(2026, 12, 8, 7, 59))
    assert not schedule.is_working(spec, msk(2026, 12, 8, 8, 0))
    assert schedule.add_working(spec, msk(2026, 12, 7, 21), 3600) == msk(2026, 12, 7, 23)


def test_it_joins_a_night_shift_to_the_next_mornings_hours():
    spec = Spec(time_zone="Europe/Moscow",
                week={"mon": ((1320, 1920),), "tue": ((360, 600),)})  # Tue 06:00–10:00 too
    start, end = next(schedule.intervals(spec, msk(2026, 12, 7, 23)))
    assert (start, end) == (msk(2026, 12, 7, 22), msk(2026, 12, 8, 10))


def test_it_follows_a_two_on_two_off_rotation():
    spec = Spec(time_zone="Europe/Moscow",
                rotation=Rotation(start=date(2026, 12, 1), on=2, off=2, hours=((540, 1260),)))
    working = [schedule.is_working(spec, msk(2026, 12, d, 12)) for d in range(1, 10)]
    assert working == [True, True, False, False, True, True, False, False, True]
    assert schedule.is_working(spec, msk(2026, 11, 28, 12))  # before the start too
    assert not schedule.is_working(spec, msk(2026, 11, 29, 12))


@pytest.mark.parametrize(("night", "hours"), [(date(2026, 3, 28), 9), (date(2026, 10, 24), 11)])
def test_it_measures_a_night_shift_across_a_daylight_saving_change(night, hours):
    # Berlin's clocks go forward at 02:00 on 29 March 2026 and back at 03:00 on 25 October.
    berlin = ZoneInfo("Europe/Berlin")
    spec = Spec(time_zone="Europe/Berlin", week={d: ((1320, 1920),) for d in schedule.WEEKDAYS})
    since = datetime.combine(night, datetime.min.time(), tzinfo=berlin).replace(hour=22)
    until = (since + timedelta(hours=12)).astimezone(berlin).replace(hour=8)
    assert schedule.working_seconds(spec, since, until) == hours * 3600


def test_it_counts_every_second_of_a_24_7_calendar():
    at = datetime(2026, 12, 2, 10, tzinfo=UTC)
    assert schedule.add_working(schedule.ALWAYS, at, 86400 * 3) == at + timedelta(days=3)
    assert schedule.is_working(schedule.ALWAYS, at)


def test_it_says_never_for_a_calendar_without_hours():
    with pytest.raises(NoWorkingTime):
        schedule.next_working(Spec(time_zone="UTC"), datetime(2026, 1, 1, tzinfo=UTC))


# --- properties --------------------------------------------------------------------------------

ZONES = ["Europe/Moscow", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe",
         "Asia/Kolkata", "UTC", "America/Santiago"]


@st.composite
def spans(draw) -> tuple[tuple[int, int], ...]:
    """0–3 spans of a day on a 30-minute grid, not overlapping; the last may cross midnight."""
    cuts = sorted(draw(st.sets(st.integers(0, 47), max_size=6)))
    out = [(cuts[i] * 30, cuts[i + 1] * 30) for i in range(0, len(cuts) - 1, 2)]
    if out and draw(st.booleans()):
        a, _b = out[-1]
        out[-1] = (a, a + draw(st.integers(1, 24)) * 30 + (1440 - a if a > 720 else 0))
    return tuple(out)


@st.composite
def specs(draw) -> Spec:
    zone = draw(st.sampled_from(ZONES))
    holidays = draw(st.sampled_from([None, "RU"]))
    days = draw(st.dictionaries(st.dates(date(2026, 1, 1), date(2027, 12, 31)), spans(),
                                max_size=5))
    if draw(st.booleans()):
        return Spec(time_zone=zone, holidays=holidays, days=days, rotation=Rotation(
            start=draw(st.dates(date(2025, 1, 1), date(2027, 1, 1))), on=draw(st.integers(1, 4)),
            off=draw(st.integers(0, 4)), hours=draw(spans().filter(bool))))
    week = {d: draw(spans()) for d in schedule.WEEKDAYS}
    if not any(week.values()):
        week["wed"] = ((600, 720),)
    return Spec(time_zone=zone, week=week, holidays=holidays, days=days)


instants = st.datetimes(datetime(2026, 1, 1), datetime(2027, 12, 1),
                        timezones=st.just(UTC)).map(lambda t: t.replace(microsecond=0))
PROPS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _oracle_is_working(spec: Spec, at: datetime) -> bool:
    """Straight from the day rules: is ``at`` inside a span of its local day or the day
    before (a night shift), with the same local-to-instant conversion."""
    zone = ZoneInfo(spec.time_zone)
    today = at.astimezone(zone).date()
    for day in (today - timedelta(days=1), today):
        for a, b in schedule.day_spans(spec, day):
            if schedule._instant(zone, day, a) <= at < schedule._instant(zone, day, b):
                return True
    return False


@PROPS
@given(specs(), instants)
def test_it_agrees_with_the_day_rules_on_whether_it_is_working_time(spec, at):
    assert schedule.is_working(spec, at) == _oracle_is_working(spec, at)


@PROPS
@given(specs(), instants)
def test_it_finds_the_next_working_moment_with_no_work_before_it(spec, at):
    found = schedule.next_working(spec, at)
    assert found >= at
    assert schedule.is_working(spec, found)
    assert schedule.working_seconds(spec, at, found) == 0


@PROPS
@given(specs(), instants, st.integers(1, 30 * 86400))
def test_it_adds_exactly_the_working_seconds_asked_for(spec, at, seconds):
    due = schedule.add_working(spec, at, seconds)
    assert schedule.working_seconds(spec, at, due) == seconds
    # The deadline is reached while working: the second before it is working time.
    assert schedule.is_working(spec, due - timedelta(seconds=1))


@PROPS
@given(specs(), instants, st.integers(0, 5 * 86400), st.integers(1, 5 * 86400))
def test_it_adds_in_steps_as_in_one_go(spec, at, a, b):
    assert schedule.add_working(spec, schedule.add_working(spec, at, a), b) == (
        schedule.add_working(spec, at, a + b))
