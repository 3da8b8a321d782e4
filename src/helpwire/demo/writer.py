"""Writing planned demo rows fast: ``COPY`` on PostgreSQL, ``bulk_create`` elsewhere.

Rows are plain dicts of column values (attribute names: ``ticket_id``, not ``ticket``).
Columns a row leaves out get the model field's default, so a field added to a model later
needs no change here. Primary keys of rows that others point at are reserved up front
(``reserve_ids``), so a whole batch is planned before anything is written.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db import connection, models

INSERT_BATCH = 2000  # rows per INSERT statement where COPY is not available


class Rows:
    """The rows of one batch, by model, in the order their tables must be filled."""

    def __init__(self) -> None:
        self.by_model: dict[type[models.Model], list[dict[str, Any]]] = defaultdict(list)

    def add(self, model: type[models.Model], row: dict[str, Any]) -> dict[str, Any]:
        self.by_model[model].append(row)
        return row


def reserve_ids(model: type[models.Model], count: int) -> list[int]:
    """``count`` fresh primary keys for ``model``; call inside the batch's transaction."""
    if count <= 0:
        return []
    table, pk = model._meta.db_table, str(model._meta.pk.column)  # type: ignore[union-attr]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [connection.ops.quote_name(table), pk, count],
            )
            return sorted(row[0] for row in cursor.fetchall())
        # SQLite (and others) serialise writers, so inside the transaction nobody else can
        # take these; sqlite_sequence also remembers ids of deleted rows.
        cursor.execute(f"SELECT MAX({connection.ops.quote_name(pk)}) FROM "  # noqa: S608
                       f"{connection.ops.quote_name(table)}")
        start = cursor.fetchone()[0] or 0
        if connection.vendor == "sqlite":
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
            row = cursor.fetchone()
            start = max(start, row[0] if row else 0)
    return list(range(start + 1, start + 1 + count))


def write(rows: Rows) -> None:
    for model, items in rows.by_model.items():
        if not items:
            continue
        if connection.vendor == "postgresql":
            _copy(model, items)
        else:
            model._default_manager.bulk_create([model(**row) for row in items],
                                               batch_size=INSERT_BATCH)


def _copy(model: type[models.Model], items: list[dict[str, Any]]) -> None:
    given = items[0].keys()
    fields = [f for f in model._meta.concrete_fields
              if not getattr(f, "generated", False)
              and (f.attname in given or not (f.primary_key or f.has_db_default()))]
    blank = model()  # pre_save gives defaults, auto_now fields included
    defaults = {f.attname: f.get_db_prep_save(f.pre_save(blank, True), connection)
                for f in fields if f.attname not in given}
    # JSON values need the database adapter; everything else goes in as it is.
    json = [f for f in fields if isinstance(f, models.JSONField) and f.attname in given]
    names = [f.attname for f in fields]
    qn = connection.ops.quote_name
    sql = (f"COPY {qn(model._meta.db_table)} ({', '.join(qn(str(f.column)) for f in fields)}) "
           "FROM STDIN")
    connection.ensure_connection()
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for row in items:
            for f in json:
                row[f.attname] = f.get_db_prep_save(row[f.attname], connection)
            copy.write_row([row[n] if n in row else defaults[n] for n in names])
