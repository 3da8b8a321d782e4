"""Human ticket numbers: a PostgreSQL sequence, or a counter row on SQLite."""

from __future__ import annotations

from django.db import connection

from helpwire.tickets.models import TicketNumber

FIRST_NUMBER = 1001
SEQUENCE = "tickets_ticket_number_seq"


def allocate(count: int = 1) -> list[int]:
    """Reserve ``count`` unique numbers, ascending (bulk loads take many at once)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT nextval(%s) FROM generate_series(1, %s)", [SEQUENCE, count])
            return sorted(row[0] for row in cursor.fetchall())
    counter, _created = TicketNumber.objects.select_for_update().get_or_create(
        pk=1, defaults={"value": FIRST_NUMBER - 1}
    )
    first = counter.value + 1
    counter.value += count
    counter.save(update_fields=["value"])
    return list(range(first, first + count))
