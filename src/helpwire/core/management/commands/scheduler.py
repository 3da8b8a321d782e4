from __future__ import annotations

import logging
import time
from typing import Any

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from helpwire.core import events, timers

logger = logging.getLogger("helpwire.scheduler")


def loop(*, interval: float = 1.0, once: bool = False) -> None:
    """Sweep due timers every ``interval`` seconds and re-dispatch stale events each minute.
    Safe to run in several processes: timers are claimed row by row."""
    last_outbox = 0.0
    while True:
        close_old_connections()
        try:
            fired = timers.sweep()
            if time.monotonic() - last_outbox > 60:
                events.redispatch_stale()
                last_outbox = time.monotonic()
        except Exception:
            logger.exception("scheduler sweep failed")
            fired = 0
        if once:
            return
        if not fired:
            time.sleep(interval)


class Command(BaseCommand):
    help = "Fire due timers (reminders, SLA, polling) and re-dispatch stale events."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--interval", type=float, default=1.0)
        parser.add_argument("--once", action="store_true", help="Sweep once and exit.")

    def handle(self, *args: Any, interval: float, once: bool, **options: Any) -> None:
        loop(interval=interval, once=once)
