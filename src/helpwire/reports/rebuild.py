"""Filling the facts and the daily rollup from history (``helpwire reports rebuild``):
after an import, a bulk load that wrote no events, or a change of definitions. The same
``facts.compute`` that runs at event time runs here, ticket batch by batch."""

from __future__ import annotations

from collections.abc import Callable

from django.db import connection, transaction

from helpwire.reports import facts, housekeeping
from helpwire.reports.models import Daily, Fact
from helpwire.tickets.models import Ticket


def _clear() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE reports_fact, reports_daily")
    else:
        Fact.objects.all().delete()
        Daily.objects.all().delete()


def rebuild(*, batch: int = 2000, on_batch: Callable[[int], object] | None = None) -> int:
    """Recompute every ticket's facts; returns the number of tickets seen. Meant for a
    quiet moment: a ticket changed meanwhile is right again at its next event."""
    _clear()
    clock, tz, after, total = facts.Clock(), facts.zone(), 0, 0
    while True:
        ids = list(Ticket.objects.filter(pk__gt=after).order_by("pk")
                   .values_list("pk", flat=True)[:batch])
        if not ids:
            break
        rows = [(h.ticket.pk, row) for h in facts.load(ids)
                for row in facts.compute(h, clock=clock, tz=tz)]
        with transaction.atomic():
            Fact.objects.bulk_create([facts.fact(tid, row) for tid, row in rows],
                                     batch_size=5000)
            Daily.objects.bulk_create(facts.rollup(row for _tid, row in rows), batch_size=5000)
        after, total = ids[-1], total + len(ids)
        if on_batch is not None:
            on_batch(len(ids))
    while housekeeping.fold_days(limit=100):
        pass
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE reports_fact" if connection.vendor == "postgresql"
                       else "ANALYZE")
    return total
