"""Filling the facts and the daily rollup from history (``helpwire reports rebuild``):
after an import, a bulk load that wrote no events, or a change of definitions. The same
``facts.compute`` that runs at event time runs here, ticket batch by batch."""

from __future__ import annotations

from collections.abc import Callable

from django.db import connection, transaction

from helpwire.core.bulkwrite import Rows, write
from helpwire.reports import facts
from helpwire.reports.models import Daily, Fact, Spread, Total
from helpwire.tickets.models import Ticket


def _clear() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "TRUNCATE reports_fact, reports_daily, reports_total, reports_spread")
    else:
        for model in (Fact, Daily, Total, Spread):
            model.objects.all().delete()


def rebuild(*, batch: int = 2000, on_batch: Callable[[int], object] | None = None) -> int:
    """Recompute every ticket's facts; returns the number of tickets seen. Meant for a
    quiet moment: a ticket changed meanwhile is right again at its next event. The rollup
    is summed in memory and written once, folded."""
    _clear()
    clock, tz, after, total = facts.Clock(), facts.zone(), 0, 0
    rollup = facts.Rollup()
    while True:
        ids = list(Ticket.objects.filter(pk__gt=after).order_by("pk")
                   .values_list("pk", flat=True)[:batch])
        if not ids:
            break
        rows = Rows()
        for h in facts.load(ids):
            computed = facts.compute(h, clock=clock, tz=tz)
            for row in computed:
                rows.add(Fact, {"ticket_id": h.ticket.pk, **vars(row)})
            rollup.add(computed)
        with transaction.atomic():
            write(rows)
        after, total = ids[-1], total + len(ids)
        if on_batch is not None:
            on_batch(len(ids))
    folded = Rows()
    for model, values in rollup.rows(folded=True):
        folded.add(model, values)
    with transaction.atomic():
        write(folded)
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            cursor.execute("ANALYZE")
        elif connection.in_atomic_block:
            cursor.execute("ANALYZE reports_fact")
        else:  # the visibility map too, so the medians' reads stay in the index
            cursor.execute("VACUUM ANALYZE reports_fact")
    return total
