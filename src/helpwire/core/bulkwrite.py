"""Writing many planned rows fast (the demo's load, the report rebuild): ``COPY`` on
PostgreSQL, one prepared ``executemany`` on SQLite (``bulk_create`` compiles every value of
every row: ~350 tickets/s against ~2,000).

Rows are plain dicts of column values (attribute names: ``ticket_id``, not ``ticket``).
Columns a row leaves out get the model field's default, so a field added to a model later
needs no change here. Primary keys of rows that others point at are reserved up front
(``reserve_ids``), so a whole batch is planned before anything is written.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections, models

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
        elif connection.vendor == "sqlite":
            _executemany(model, items)
        else:
            model._default_manager.bulk_create([model(**row) for row in items],
                                               batch_size=INSERT_BATCH)


def _columns(model: type[models.Model], items: list[dict[str, Any]]
             ) -> tuple[list[models.Field[Any, Any]], dict[str, Any]]:
    """The fields to write and the database values of those the rows leave out."""
    given = items[0].keys()
    fields = [f for f in model._meta.concrete_fields
              if not getattr(f, "generated", False)
              and (f.attname in given or not (f.primary_key or f.has_db_default()))]
    blank = model()  # pre_save gives defaults, auto_now fields included
    defaults = {f.attname: f.get_db_prep_save(f.pre_save(blank, True), connection)
                for f in fields if f.attname not in given}
    return fields, defaults


def _executemany(model: type[models.Model], items: list[dict[str, Any]]) -> None:
    fields, defaults = _columns(model, items)
    # Only values SQLite cannot take as they are go through the field's conversion.
    plain = (models.IntegerField, models.CharField, models.TextField, models.BooleanField,
             models.ForeignKey, models.FloatField)
    db = connections[DEFAULT_DB_ALIAS]  # the proxy's per-thread lookup costs a value
    convert = {f.attname: (_utc_text if isinstance(f, models.DateTimeField) else
                           _date_text if isinstance(f, models.DateField) else
                           (lambda v, f=f: f.get_db_prep_save(v, db)))
               for f in fields if f.attname not in defaults and not isinstance(f, plain)}
    names = [f.attname for f in fields]
    qn = connection.ops.quote_name
    sql = (f"INSERT INTO {qn(model._meta.db_table)} "  # noqa: S608
           f"({', '.join(qn(str(f.column)) for f in fields)}) "
           f"VALUES ({', '.join('?' for _ in fields)})")
    values = [[(convert[n](row[n]) if n in convert else row[n]) if n in row else defaults[n]
               for n in names] for row in items]
    connection.ensure_connection()
    connection.connection.executemany(sql, values)


def _date_text(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _utc_text(value: datetime | None) -> str | None:
    """What Django's SQLite backend stores for an aware datetime, without its per-value
    machinery (a fifth of the load's time)."""
    return None if value is None else str(value.astimezone(UTC).replace(tzinfo=None))


def _copy(model: type[models.Model], items: list[dict[str, Any]]) -> None:
    fields, defaults = _columns(model, items)
    given = items[0].keys()
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
