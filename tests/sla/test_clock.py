"""SLA clock arithmetic [SL1 SL2]: by hand for the Mobifitness cases, then properties over
random calendars (weekends, holidays, breaks, night shifts, 2/2 rotations, zones with and
without daylight saving), pauses in the middle of a clock and a policy switch mid-clock."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import assume, given
from hypothesis import strategies as st

from helpwire.calendars.schedule import Spec
from helpwire.sla import clock as c
from tests.calendars.test_schedule import PROPS, instants, msk, office, specs

ALWAYS = Spec(time_zone="UTC", week={d: ((0, 1440),) for d in
                                     ("mon", "tue", "wed", "thu", "fri", "sat", "sun")})


def test_it_gives_an_hour_of_working_time_across_the_weekend():
    clock = c.Clock(start=msk(2026, 12, 4, 17, 30), target_s=3600)  # Friday 17:30
    assert c.due_at(office(), clock) == msk(2026, 12, 7, 9, 30)  # Monday 9:30
    reading = c.read(office(), clock, msk(2026, 12, 7, 9, 20), warning_s=900)
    assert (reading.state, reading.remaining_s) == ("warning", 600)


def test_it_stops_while_pending_and_goes_on_after():
    start = msk(2026, 12, 7, 10, 0)  # Monday
    paused = c.Clock(start=start, target_s=4 * 3600,
                     pauses=((msk(2026, 12, 7, 11, 0), None),))
    reading = c.read(office(), paused, msk(2026, 12, 8, 15, 0))
    assert (reading.state, reading.remaining_s, reading.due_at) == ("paused", 3 * 3600, None)
    resumed = c.Clock(start=start, target_s=4 * 3600,
                      pauses=((msk(2026, 12, 7, 11, 0), msk(2026, 12, 8, 10, 0)),))
    assert c.due_at(office(), resumed) == msk(2026, 12, 8, 13, 0)  # 10:00 + the 3 h left


def test_it_reads_met_and_breached():
    clock = c.Clock(start=msk(2026, 12, 7, 10, 0), target_s=3600)
    late = c.read(office(), clock, msk(2026, 12, 7, 11, 30))
    assert (late.state, late.remaining_s) == ("breached", -1800)
    on_time = c.Clock(start=clock.start, target_s=3600, met_at=msk(2026, 12, 7, 10, 40))
    assert c.read(office(), on_time, msk(2026, 12, 9, 10, 0)).state == "met"


def test_it_switches_policy_from_the_original_start():
    """Support (1 h, 24/7) to implementation (4 h, office hours) after 30 minutes: the new
    target over the same history, counted in the new calendar."""
    start = msk(2026, 12, 7, 10, 0)
    support = c.Clock(start=start, target_s=3600)
    now = start + timedelta(minutes=30)
    assert c.read(ALWAYS, support, now).remaining_s == 1800
    implementation = c.Clock(start=start, target_s=4 * 3600)
    assert c.read(office(), implementation, now).remaining_s == 3.5 * 3600
    assert c.due_at(office(), implementation) == msk(2026, 12, 7, 15, 0)  # lunch 13–14


def test_it_merges_overlapping_pauses():
    a, b, d = msk(2026, 12, 7, 10), msk(2026, 12, 7, 11), msk(2026, 12, 7, 12)
    assert c.normalise([(b, d), (a, b)]) == ((a, d),)
    assert c.normalise([(a, None), (b, d)]) == ((a, None),)


@st.composite
def clocks(draw) -> c.Clock:
    start = draw(instants)
    cuts = sorted(draw(st.lists(st.integers(1, 20 * 86400), max_size=6, unique=True)))
    pauses: list[c.Pause] = [(start + timedelta(seconds=cuts[i]),
                              start + timedelta(seconds=cuts[i + 1]))
                             for i in range(0, len(cuts) - 1, 2)]
    return c.Clock(start=start, target_s=draw(st.integers(60, 10 * 86400)),
                   pauses=c.normalise(pauses))


@PROPS
@given(specs(), clocks())
def test_it_is_due_when_the_working_time_used_reaches_the_target(spec, clock):
    due = c.due_at(spec, clock)
    assert due is not None
    assert c.used(spec, clock, due) == clock.target_s
    assert c.used(spec, clock, due - timedelta(seconds=1)) < clock.target_s


@PROPS
@given(specs(), clocks(), st.integers(0, 40 * 86400), st.integers(0, 40 * 86400))
def test_used_time_never_runs_backwards(spec, clock, a, b):
    early, late = sorted((clock.start + timedelta(seconds=a), clock.start + timedelta(seconds=b)))
    assert c.used(spec, clock, early) <= c.used(spec, clock, late)


@PROPS
@given(specs(), clocks(), st.integers(0, 40 * 86400))
def test_a_pause_takes_off_exactly_its_working_time(spec, clock, seconds):
    now = clock.start + timedelta(seconds=seconds)
    unpaused = c.Clock(start=clock.start, target_s=clock.target_s)
    from helpwire.calendars.schedule import working_seconds

    in_pauses = sum(working_seconds(spec, max(b, clock.start), min(e or now, now))
                    for b, e in clock.pauses if min(e or now, now) > b)
    assert abs(c.used(spec, unpaused, now) - in_pauses - c.used(spec, clock, now)) < 1e-6


@PROPS
@given(specs(), clocks(), st.integers(0, 40 * 86400))
def test_an_open_pause_freezes_the_clock(spec, clock, seconds):
    pause_at = clock.start + timedelta(seconds=seconds)
    assume(all(e is not None and e < pause_at for _b, e in clock.pauses))
    frozen = c.Clock(start=clock.start, target_s=clock.target_s,
                     pauses=(*clock.pauses, (pause_at, None)))
    later = pause_at + timedelta(days=3)
    assert c.used(spec, frozen, later) == c.used(spec, frozen, pause_at)
    assert c.read(spec, frozen, later).state in ("paused", "breached")
    assert c.due_at(spec, frozen) is None


@PROPS
@given(specs(), specs(), clocks(), st.integers(0, 40 * 86400))
def test_a_policy_switch_reads_the_same_history_in_the_new_calendar(spec, other, clock,
                                                                    seconds):
    now = clock.start + timedelta(seconds=seconds)
    switched = c.Clock(start=clock.start, target_s=clock.target_s * 2, pauses=clock.pauses)
    # The target does not change the time used; the calendar alone decides it.
    assert c.used(other, switched, now) == c.used(other, clock, now)
    due = c.due_at(other, switched)
    assert due is not None and c.used(other, switched, due) == switched.target_s
