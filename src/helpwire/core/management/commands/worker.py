from __future__ import annotations

import threading
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand

from helpwire.core.management.commands.scheduler import loop


class Command(BaseCommand):
    help = "Run the background task worker together with the timer scheduler."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--no-scheduler", action="store_true",
                            help="Only run tasks; another process runs the scheduler.")

    def handle(self, *args: Any, no_scheduler: bool, **options: Any) -> None:
        if not no_scheduler:
            # A thread with its own database connection; it dies with the worker.
            threading.Thread(target=loop, name="scheduler", daemon=True).start()
        call_command("db_worker", queue_name="*", interval=0.5, reload=False,
                     verbosity=options.get("verbosity", 1))
