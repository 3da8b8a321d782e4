from __future__ import annotations

import logging
import time
from typing import Any

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from helpwire.core import periodic, timers

logger = logging.getLogger("helpwire.scheduler")


def loop(*, interval: float = 1.0, once: bool = False) -> None:
    """Sweep due timers every ``interval`` seconds and run the housekeeping jobs when theirs
    come round (``once``: one sweep and every job, then return). Safe to run in several
    processes: timers, events and every job claim their rows."""
    while True:
        close_old_connections()
        try:
            fired = timers.sweep()
        except Exception:
            logger.exception("scheduler sweep failed")
            fired = 0
        periodic.run_due(force=once)
        if once:
            return
        if not fired:
            time.sleep(interval)


class Command(BaseCommand):
    help = "Fire due timers (reminders, SLA, polling) and run the housekeeping jobs."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--interval", type=float, default=1.0)
        parser.add_argument("--once", action="store_true", help="Sweep once and exit.")

    def handle(self, *args: Any, interval: float, once: bool, **options: Any) -> None:
        loop(interval=interval, once=once)
