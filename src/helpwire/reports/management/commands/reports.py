"""``helpwire reports rebuild``: fill the report facts and rollups from history."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from helpwire.reports.rebuild import rebuild
from helpwire.tickets.models import Ticket


class Command(BaseCommand):
    help = "Report figures: `rebuild` recomputes every ticket's facts and the daily rollup."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("action", choices=["rebuild"])
        parser.add_argument("--batch-size", type=int, default=2000)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1.")
        started = time.monotonic()
        with tqdm(total=Ticket.objects.count(), unit="ticket", unit_scale=True,
                  disable=options["verbosity"] < 1, desc="Rebuilding report figures") as bar:
            seen = rebuild(batch=options["batch_size"], on_batch=bar.update)
        self.stdout.write(f"Rebuilt the report figures of {seen} tickets in "
                          f"{time.monotonic() - started:.1f} s.")
