"""Rebuilding every search document from the tickets and messages, in batches.

Used by ``helpwire search reindex`` after a bulk load (the demo loader writes no events),
an upgrade or a restore. Each batch is one transaction: a range read of tickets by id, one
range read of their messages along the (ticket, created_at, id) index, lemmatisation with
the cached ``terms_of``, one bulk upsert. Writers are blocked for one batch at a time only.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import connection, transaction

from helpwire.search import documents
from helpwire.search.backends import FTS, TABLE
from helpwire.tickets.models import Ticket


def reindex(*, batch: int = 2000, on_batch: Callable[[int], object] | None = None,
            after: int = 0) -> int:
    """Rebuild every document of a ticket with an id above ``after`` (0: all of them);
    returns the number of tickets seen."""
    total = 0
    while True:
        with transaction.atomic():
            seen, after = documents.rebuild_range(after=after, limit=batch)
        if not seen:
            break
        total += seen
        if on_batch is not None:
            on_batch(seen)
    finish()
    return total


def finish() -> None:
    """Leave the index compact after a bulk rebuild, and the planner informed."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"INSERT INTO {FTS}({FTS}) VALUES ('optimize')")  # noqa: S608
        elif connection.vendor == "postgresql":
            cursor.execute(f"ANALYZE {TABLE}")


def count_tickets() -> int:
    return Ticket.objects.count()
