"""``helpwire search reindex [--batch N]``: rebuild every search document."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from helpwire.search.reindex import count_tickets, reindex


class Command(BaseCommand):
    help = "Search index maintenance. `reindex` rebuilds every ticket's search document."

    def add_arguments(self, parser: Any) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        rebuild = actions.add_parser(
            "reindex", help="Rebuild every document from tickets and messages, in batches.")
        rebuild.add_argument("--batch", type=int, default=2000,
                             help="Tickets per transaction (default 2000).")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] != "reindex":
            raise CommandError(f"Unknown action {options['action']}.")
        batch = options["batch"]
        if batch < 1:
            raise CommandError("--batch must be at least 1.")
        started = time.monotonic()
        with tqdm(total=count_tickets(), unit="ticket", unit_scale=True,
                  disable=options["verbosity"] < 1, desc="Reindexing") as bar:
            total = reindex(batch=batch, on_batch=bar.update)
        took = max(time.monotonic() - started, 1e-6)
        self.stdout.write(f"Reindexed {total} tickets in {took:.1f} s "
                          f"({total / took:.0f} tickets/s).")
