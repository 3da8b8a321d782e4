"""Tools for race tests: real concurrent transactions on PostgreSQL, held inside the window
where a race happens, so a test fails every time on code that races — not once in a hundred.

``Window`` is a barrier that also knows about database locks: a party that arrives waits
until every other party has arrived too, or until the parties still missing are blocked on
a lock in PostgreSQL (which is what correct code does: it serialises them). Either way the
test goes on at once, without a sleep that could be too short on a slow machine.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
import pytest
import time_machine
from django.db import connection, connections

from helpwire.core import timers

postgres_only = pytest.mark.postgres


def _conninfo() -> dict[str, Any]:
    s = connection.settings_dict
    return {"dbname": s["NAME"], "user": s["USER"] or None, "password": s["PASSWORD"] or None,
            "host": s["HOST"] or None, "port": s["PORT"] or None, "autocommit": True}


def lock_waiters() -> int:
    """How many sessions of this database wait for a lock right now (row, advisory…)."""
    with psycopg.connect(**_conninfo()) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock'").fetchone()
    return int(row[0]) if row else 0


def wait_for_lock_waiters(n: int = 1, *, timeout: float = 10.0) -> bool:
    """True once ``n`` sessions are blocked on a lock; False if that never happens."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if lock_waiters() >= n:
            return True
        time.sleep(0.02)
    return False


class Window:
    """Hold ``parties`` transactions at the same point before any of them commits."""

    def __init__(self, parties: int = 2, *, timeout: float = 15.0) -> None:
        self.parties = parties
        self.timeout = timeout
        self.arrived = 0
        self.blocked = False  # set when the missing parties were found waiting on a lock
        self._lock = threading.Lock()

    def arrive(self) -> None:
        with self._lock:
            self.arrived += 1
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            with self._lock:
                missing = self.parties - self.arrived
            if missing <= 0:
                return
            if lock_waiters() >= missing:
                self.blocked = True
                return
            time.sleep(0.02)
        raise TimeoutError("the other transactions never reached the window")


def run_concurrently(*funcs: Callable[[], Any], timeout: float = 60.0) -> list[Any]:
    """Run each function in its own thread (own database connection); return their results
    in order, an exception object standing for a function that raised."""
    return start_concurrently(*funcs)(timeout)


def start_concurrently(*funcs: Callable[[], Any]) -> Callable[[float], list[Any]]:
    """Start the threads now; the returned function joins them and gives the results."""
    results: list[Any] = [None] * len(funcs)

    def runner(i: int, func: Callable[[], Any]) -> None:
        try:
            results[i] = func()
        except BaseException as exc:
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=runner, args=(i, f), daemon=True)
               for i, f in enumerate(funcs)]
    for th in threads:
        th.start()

    def join(timeout: float = 60.0) -> list[Any]:
        for th in threads:
            th.join(timeout)
            if th.is_alive():
                raise TimeoutError("a concurrent transaction never finished")
        return results

    return join


def wait_until(predicate: Callable[[], bool], *, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False


def errors(results: list[Any]) -> list[BaseException]:
    return [r for r in results if isinstance(r, BaseException)]


@contextmanager
def only_in_thread(flag: threading.local) -> Iterator[None]:
    """Mark the current thread, so a hook registered by a test acts only there."""
    flag.on = True
    try:
        yield
    finally:
        flag.on = False


@contextmanager
def inside(kind: str, func: Callable[[Any], None]) -> Iterator[None]:
    """Run ``func`` inside every transaction that emits ``kind`` (after its writes, before
    its commit) for the duration of the block."""
    from helpwire.core import events

    events.in_transaction(kind)(func)
    try:
        yield
    finally:
        events.remove_hook(kind, func)


class EnqueueRecorder:
    """Stands in for a task object: records what would be enqueued, runs ``call`` for real."""

    def __init__(self, task: Any) -> None:
        self.task = task
        self.enqueued: list[Any] = []
        self._lock = threading.Lock()

    def enqueue(self, *args: Any) -> None:
        with self._lock:
            self.enqueued.append(args[0] if len(args) == 1 else args)

    def using(self, **kwargs: Any) -> EnqueueRecorder:
        return self

    def call(self, *args: Any, **kwargs: Any) -> Any:
        return self.task.call(*args, **kwargs)


def sweeps_while_one_holds(at: Any, *, inside: threading.Event,
                           release: threading.Event) -> list[Any]:
    """Two schedulers sweeping the timers due at ``at``: the first holds its transaction
    where the test's hook sets ``inside`` (and waits for ``release``); the second sweeps
    meanwhile, then releases it. Returns both results."""

    def first() -> Any:
        with time_machine.travel(at, tick=False):
            return timers.sweep()

    def second() -> Any:
        inside.wait(15)
        try:
            with time_machine.travel(at, tick=False):
                return timers.sweep()
        finally:
            release.set()

    return run_concurrently(first, second)
