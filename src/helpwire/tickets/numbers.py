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
    # One statement in the common case (the writer already holds SQLite's lock).
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {TicketNumber._meta.db_table} SET value = value + %s "  # noqa: S608
                       "WHERE id = 1 RETURNING value", [count])
        row = cursor.fetchone()
    if row is not None:
        return list(range(row[0] - count + 1, row[0] + 1))
    counter, _created = TicketNumber.objects.select_for_update().get_or_create(
        pk=1, defaults={"value": FIRST_NUMBER - 1}
    )
    first = counter.value + 1
    counter.value += count
    counter.save(update_fields=["value"])
    return list(range(first, first + count))
