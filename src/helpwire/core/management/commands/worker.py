from __future__ import annotations

import logging
import threading
import time
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import InterfaceError, OperationalError

from helpwire.core.management.commands.scheduler import loop

logger = logging.getLogger("helpwire.worker")
# Seconds between tries while the database is unreachable.
RECONNECT_PAUSE = 2.0


class Command(BaseCommand):
    help = "Run the background task worker together with the timer scheduler."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--no-scheduler", action="store_true",
                            help="Only run tasks; another process runs the scheduler.")

    def handle(self, *args: Any, no_scheduler: bool, **options: Any) -> None:
        if not no_scheduler:
            # A thread with its own database connection; it dies with the worker.
            threading.Thread(target=loop, name="scheduler", daemon=True).start()
        while True:
            try:
                call_command("db_worker", queue_name="*", interval=0.5, reload=False,
                             verbosity=options.get("verbosity", 1))
                return
            except (OperationalError, InterfaceError) as exc:
                # django-tasks-db's loop lets a database error out, which ended the whole
                # process when PostgreSQL restarted or failed over (tests/faults/
                # test_pg_restart.py). Wait and take tasks again instead: the failed
                # connection was closed, the next query opens a new one. A task cut off
                # mid-run stays claimed, as after a crash, and the sweeps hand its work out
                # again (deliveries, events, mailbox polls).
                logger.warning("database unavailable (%s); taking tasks again in %s s",
                               exc, RECONNECT_PAUSE)
                time.sleep(RECONNECT_PAUSE)
