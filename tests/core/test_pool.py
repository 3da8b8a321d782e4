"""PostgreSQL connections come from a bounded pool: load changes waiting, not the number of
connections (a connection per request once ran PostgreSQL out of them)."""

from __future__ import annotations

import threading

import psycopg
import pytest
from django.conf import settings
from django.db import connection, connections

from tests.race import _conninfo, errors, postgres_only, run_concurrently

pytestmark = [postgres_only, pytest.mark.django_db(transaction=True)]


def _backends() -> int:
    with psycopg.connect(**_conninfo()) as conn:
        row = conn.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = "
                           "current_database() AND pid <> pg_backend_pid()").fetchone()
    return int(row[0]) if row else 0


def test_it_never_holds_more_connections_than_the_pool_allows():
    size = settings.DATABASES["default"]["OPTIONS"]["pool"]["max_size"]
    seen: list[int] = []
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            seen.append(_backends())
            done.wait(0.02)

    def request() -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_sleep(0.2)")
        connections.close_all()  # what Django does at the end of every request

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        results = run_concurrently(*(request for _ in range(size * 3)))
    finally:
        done.set()
        watcher.join()
    assert not errors(results), results
    assert max(seen) <= size + 1  # the pool's connections (and this test's own)
    assert max(seen) >= 2  # the requests really ran side by side
