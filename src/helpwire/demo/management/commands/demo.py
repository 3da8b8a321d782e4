"""``helpwire demo [--tickets N]``: load the demo team and its tickets; add N more."""

from __future__ import annotations

import time
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from tqdm import tqdm

from helpwire.demo import content
from helpwire.demo.bulk import add_tickets
from helpwire.demo.loader import BASE_TICKETS, DEFAULT_SEED, ensure_login, load_base
from helpwire.demo.ratings import add_ratings
from helpwire.demo.sla_history import add_sla_records
from helpwire.reports.rebuild import rebuild as rebuild_reports
from helpwire.search.reindex import reindex
from helpwire.tickets import counters
from helpwire.tickets.models import Ticket


class Command(BaseCommand):
    help = (
        "Load demo data: a Russian-speaking support team, ~300 clients and ~2,000 tickets "
        "(once; running it again adds nothing). --tickets N adds N more tickets in bulk for "
        "load tests."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--tickets", type=int, default=0, metavar="N",
                            help="Add N more tickets (in bulk, with a progress bar).")
        parser.add_argument("--days", type=float, default=365,
                            help="Spread the added tickets over this many past days.")
        parser.add_argument("--batch-size", type=int, default=5000,
                            help="Tickets written per transaction.")
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED,
                            help="Random seed (the same seed gives the same demo).")
        parser.add_argument("--without-report-figures", action="store_true",
                            help="Leave the added tickets' report figures to "
                                 "`helpwire reports rebuild` (the benchmarks time it).")

    def handle(self, *args: Any, **options: Any) -> None:
        count, verbosity = options["tickets"], options["verbosity"]
        if count < 0 or options["batch_size"] < 1 or options["days"] <= 0:
            raise CommandError("--tickets must be ≥ 0, --batch-size and --days > 0.")
        _migrate()
        started = time.monotonic()
        if load_base(seed=options["seed"]):
            self._rebuild_derived(after=0, total=BASE_TICKETS, verbosity=0,
                                  seed=options["seed"])
            self.stdout.write(
                f"Loaded the demo data ({len(content.GROUPS)} groups, {len(content.AGENTS)} "
                f"agents, ~300 clients, {BASE_TICKETS} tickets) in "
                f"{time.monotonic() - started:.1f} s."
            )
        else:
            self.stdout.write("Demo data is already loaded; nothing was duplicated.")
        if count:
            last_before = Ticket.objects.order_by("-pk").values_list("pk", flat=True).first()
            started = time.monotonic()
            with tqdm(total=count, unit="ticket", unit_scale=True, disable=verbosity < 1,
                      desc="Adding tickets") as bar:
                add_tickets(count=count, seed=options["seed"], days=options["days"],
                            batch_size=options["batch_size"], on_batch=bar.update)
            took = max(time.monotonic() - started, 1e-6)
            self.stdout.write(f"Added {count} tickets in {took:.1f} s "
                              f"({count / took:.0f} tickets/s).")
            self._rebuild_derived(after=last_before or 0, total=count, verbosity=verbosity,
                                  seed=options["seed"],
                                  figures=not options["without_report_figures"])
        line = ensure_login()
        others = ", ".join(a.email for a in content.AGENTS[1:])
        self.stdout.write(f"The other demo agents ({others}) use the same password.")
        self.stdout.write(line)

    def _rebuild_derived(self, *, after: int, total: int, verbosity: int, seed: int,
                         figures: bool = True) -> None:
        """The demo writes no events, so what the event hooks keep up to date is rebuilt
        here: the queue counters, the planner's statistics (after a bulk COPY it would think
        the ticket table is tiny and pick plans that crawl at a million rows), the search
        documents of the tickets above ``after``, and the report figures (with ratings)."""
        counters.rebuild()
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        add_ratings(after=after, seed=seed)
        add_sla_records(after=after)
        if figures:
            with tqdm(total=Ticket.objects.count(), unit="ticket", unit_scale=True,
                      disable=verbosity < 1, desc="Report figures") as bar:
                rebuild_reports(on_batch=bar.update)
        with tqdm(total=total, unit="ticket", unit_scale=True, disable=verbosity < 1,
                  desc="Indexing for search") as bar:
            reindex(after=after, on_batch=bar.update)


def _migrate() -> None:
    """Apply migrations first when the database is new or behind."""
    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        call_command("migrate", interactive=False, verbosity=0)
