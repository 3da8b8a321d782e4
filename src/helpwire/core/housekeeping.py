"""The core's own scheduled jobs: the event outbox and SQLite's planner statistics."""

from __future__ import annotations

from django.db import connection

from helpwire.core import events, periodic


@periodic.every(15, name="events.redispatch_stale")
def outbox() -> None:
    events.redispatch_stale()


@periodic.every(3600, name="sqlite.optimize")
def tune_sqlite() -> None:
    """SQLite never gathers planner statistics by itself; without them permission filters
    and search plans can turn into full scans. PRAGMA optimize is cheap when nothing
    changed (PostgreSQL's autovacuum does this job there)."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'")
            # Older SQLite only optimises what this connection queried: analyse once first.
            cursor.execute("PRAGMA optimize" if cursor.fetchone() else "ANALYZE")
