from __future__ import annotations

import logging
import time
from typing import Any

from django.core.management.base import BaseCommand
from django.db import close_old_connections, connection

from helpwire.core import events, timers

logger = logging.getLogger("helpwire.scheduler")


def loop(*, interval: float = 1.0, once: bool = False) -> None:
    """Sweep due timers every ``interval`` seconds and re-dispatch stale events each minute.
    Safe to run in several processes: timers are claimed row by row."""
    last_outbox = last_tuning = 0.0
    while True:
        close_old_connections()
        try:
            fired = timers.sweep()
            if time.monotonic() - last_outbox > 60:
                events.redispatch_stale()
                last_outbox = time.monotonic()
            if time.monotonic() - last_tuning > 3600:
                tune_sqlite()
                last_tuning = time.monotonic()
        except Exception:
            logger.exception("scheduler sweep failed")
            fired = 0
        if once:
            return
        if not fired:
            time.sleep(interval)


def tune_sqlite() -> None:
    """SQLite never gathers planner statistics by itself; without them permission filters
    and search plans can turn into full scans. PRAGMA optimize is cheap when nothing
    changed (PostgreSQL's autovacuum does this job there)."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'")
            # Older SQLite only optimises what this connection queried: analyse once first.
            cursor.execute("PRAGMA optimize" if cursor.fetchone() else "ANALYZE")


class Command(BaseCommand):
    help = "Fire due timers (reminders, SLA, polling) and re-dispatch stale events."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--interval", type=float, default=1.0)
        parser.add_argument("--once", action="store_true", help="Sweep once and exit.")

    def handle(self, *args: Any, interval: float, once: bool, **options: Any) -> None:
        loop(interval=interval, once=once)
