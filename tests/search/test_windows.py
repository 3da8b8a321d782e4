"""Bounded candidate sets: every plan (few, some, many matches) gives the same answers."""

from __future__ import annotations

import pytest

from helpwire.search import backends
from helpwire.tickets.access import visible_tickets


@pytest.fixture
def kettles(inbound, support):
    """Eight tickets about kettles, newest last; only the two oldest in the support group."""
    return [inbound(f"Сломался чайник {'очень ' * n}сильно", subject="Чайник",
                    ticket_defaults={"group_id": support.pk} if n >= 2 else {}).ticket
            for n in range(8)]


@pytest.mark.parametrize(("window", "middle", "scan"), [
    (1000, 20_000, 50_000),  # everything in one window
    (5, 20_000, 50_000),  # PostgreSQL: every id through GIN, ranked in windows of 5
    (2, 3, 3),  # PostgreSQL: the "many" plan, bounded walks of the newest rows
])
def test_it_finds_the_same_tickets_whatever_the_plan(kettles, find, monkeypatch, window,
                                                     middle, scan):
    monkeypatch.setattr(backends, "WINDOW", window)
    monkeypatch.setattr(backends, "MIDDLE", middle)
    monkeypatch.setattr(backends, "SCAN", scan)
    newest_first = [t.pk for t in reversed(kettles)]
    assert find("чайник", ranked=False, limit=50) == newest_first
    assert sorted(find("чайник", limit=50)) == sorted(newest_first)
    assert find("ксилофон") == []


def test_it_reads_older_windows_until_it_finds_visible_tickets(kettles, find, monkeypatch,
                                                               other_agent):
    monkeypatch.setattr(backends, "WINDOW", 2)
    monkeypatch.setattr(backends, "MIDDLE", 3)
    monkeypatch.setattr(backends, "SCAN", 3)
    mine = visible_tickets(other_agent)  # sees only tickets without a group
    assert find("чайник", mine, ranked=False) == [kettles[1].pk, kettles[0].pk]


@pytest.mark.postgres
@pytest.mark.parametrize("window", [2, 1000])
def test_it_trusts_a_sure_estimate_only_as_far_as_the_newest_rows_bear_it_out(
        kettles, find, monkeypatch, window):
    """The planner calls every word common: with a full first window the newest-first walk
    starts without a count; with fewer (the estimate was wrong) the count decides as usual.
    Either way the answers are the same."""
    monkeypatch.setattr(backends, "WINDOW", window)
    monkeypatch.setattr(backends, "MIDDLE", 3)
    monkeypatch.setattr(backends, "SCAN", 3)
    monkeypatch.setattr(backends.PostgreSQLEngine, "estimate",
                        lambda self, tsquery: (1e6, 1e6))
    assert find("чайник", ranked=False, limit=50) == [t.pk for t in reversed(kettles)]
    assert find("ксилофон") == []
