"""``peer.py load`` [#11]: Helpwire's tickets (benchmarks/export_tickets.py output) into
django-helpdesk by raw inserts. Imported by peer.py; Django and helpdesk are imported inside
the functions, after ``django_setup``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from peer_common import SUPPORT_QUEUE, USERNAME, django_setup, emit, fail

# Helpwire status -> (django-helpdesk status, on_hold). django-helpdesk has Open 1,
# Reopened 2, Resolved 3, Closed 4, Duplicate 5; its default staff list shows 1 and 2, which
# then holds the same tickets as Helpwire's "in work" (new, open, on hold, pending).
STATUS = {
    "new": (1, False), "open": (1, False), "pending": (1, False), "on_hold": (1, True),
    "solved": (3, False), "closed": (4, False), "spam": (4, False), "merged": (5, False),
}
# Helpwire priority -> django-helpdesk (1 Critical, 2 High, 3 Normal, 4 Low, 5 Very Low).
PRIORITY = {"extreme": 1, "urgent": 2, "medium": 3, "low": 4}


# ----------------------------------------------------------------------------- load

class Loader:
    """Raw inserts (COPY on PostgreSQL, executemany on SQLite): no model save(), no signals,
    and Ticket.created / modified keep Helpwire's dates (the model has auto_now_add /
    auto_now, which bulk_create would overwrite with the load time)."""

    TICKET = ["id", "title", "queue_id", "created", "modified", "submitter_email",
              "assigned_to_id", "status", "on_hold", "description", "resolution", "priority",
              "secret_key"]
    FOLLOWUP = ["ticket_id", "date", "title", "comment", "public", "user_id"]

    def __init__(self) -> None:
        from django.db import connection
        from helpdesk.models import FollowUp, Ticket

        self.connection = connection
        self.pg = connection.vendor == "postgresql"
        self.ticket_cols, self.ticket_extra = self._plan(Ticket, self.TICKET)
        self.followup_cols, self.followup_extra = self._plan(FollowUp, self.FOLLOWUP)
        self.ticket_table = Ticket._meta.db_table
        self.no_triggers = self.pg and self._superuser()
        self.followup_table = FollowUp._meta.db_table

    def _superuser(self) -> bool:
        with self.connection.cursor() as cur:
            cur.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            row = cur.fetchone()
        return bool(row and row[0])

    def _plan(self, model: Any, given: list[str]) -> tuple[list[str], list[Any]]:
        """The columns to write: ours, then every other one at its (constant) default."""
        fields = {f.attname: f for f in model._meta.concrete_fields}
        cols = [fields[name].column for name in given]
        extra = []
        for name, field in fields.items():
            if name in given or name == "id":
                continue
            if field.has_default() and callable(field.default):
                fail(f"{model.__name__}.{name} has a per-row default: the loader must set it")
            if not field.null and not field.has_default():
                fail(f"{model.__name__}.{name} is required: the loader must set it")
            cols.append(field.column)
            extra.append(field.get_db_prep_save(field.get_default(), self.connection))
        return cols, extra

    def when(self, iso: str) -> str:
        if self.pg:
            return iso  # timestamptz takes the ISO form as it is
        from datetime import UTC, datetime
        value = datetime.fromisoformat(iso).astimezone(UTC).replace(tzinfo=None)
        return value.isoformat(" ")  # how Django's SQLite backend stores datetimes

    def write(self, tickets: list[tuple], followups: list[tuple]) -> None:
        from django.db import transaction

        tickets = [t + tuple(self.ticket_extra) for t in tickets]
        followups = [f + tuple(self.followup_extra) for f in followups]
        with transaction.atomic():
            raw = self.connection.connection
            if self.pg:
                with raw.cursor() as cur:
                    if self.no_triggers:
                        # Foreign keys are right by construction; their per-row triggers
                        # are most of COPY's cost.
                        cur.execute("SET LOCAL session_replication_role = replica")
                    for table, cols, rows in ((self.ticket_table, self.ticket_cols, tickets),
                                              (self.followup_table, self.followup_cols,
                                               followups)):
                        with cur.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as cp:
                            for row in rows:
                                cp.write_row(row)
            else:
                for table, cols, rows in ((self.ticket_table, self.ticket_cols, tickets),
                                          (self.followup_table, self.followup_cols, followups)):
                    marks = ", ".join("?" * len(cols))
                    raw.executemany(
                        f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({marks})",  # noqa: S608
                        rows)  # (table and columns come from the models, values are bound)

    def finish(self) -> None:
        from django.core.management.color import no_style
        from helpdesk.models import FollowUp, Ticket

        with self.connection.cursor() as cur:
            for statement in self.connection.ops.sequence_reset_sql(no_style(),
                                                                     [Ticket, FollowUp]):
                cur.execute(statement)
            cur.execute("ANALYZE")


def clean(text: str | None, limit: int | None = None) -> str:
    text = (text or "").replace("\x00", "")
    return text[:limit] if limit else text


def cmd_load(args: argparse.Namespace) -> None:
    import uuid

    from tqdm import tqdm

    source: Path = args.source
    if not source.exists():
        fail(f"{source} does not exist")
    django_setup(args)
    from django.contrib.auth import get_user_model
    from django.db import connection
    from helpdesk.models import Queue, Ticket

    if Ticket.objects.exists():
        fail("the peer already has tickets: run `setup` again before `load`")
    staff = get_user_model().objects.get(username=USERNAME).pk
    queue = Queue.objects.get(slug=SUPPORT_QUEUE).pk
    loader = Loader()
    if not loader.pg:
        connection.ensure_connection()
        connection.connection.execute("PRAGMA synchronous=OFF")
    started = time.monotonic()
    n_tickets = n_followups = 0
    tickets: list[tuple] = []
    followups: list[tuple] = []
    bar = tqdm(total=source.stat().st_size, unit="B", unit_scale=True, desc="load",
               file=sys.stderr, mininterval=1)
    with source.open("rb") as fh:
        for line in fh:
            bar.update(len(line))
            if not line.strip():
                continue
            t = json.loads(line)
            status, on_hold = STATUS.get(t["status"], (1, False))
            messages = t.get("messages") or []
            first = next((m for m in messages if m["kind"] == "client"),
                         messages[0] if messages else None)
            resolution = None
            if status in (3, 4):  # resolving through the form stores the comment here
                answer = next((m for m in reversed(messages) if m["kind"] == "agent"), None)
                resolution = clean(answer["body"]) if answer else None
            title = clean(t["subject"]) or "(no subject)"
            if len(title) > 200:
                title = title[:197] + "..."  # what Ticket.save() does
            email = clean(t.get("client_email"), 254)
            tickets.append((
                t["id"], title, queue, loader.when(t["created_at"]),
                loader.when(t["updated_at"]), email, staff if t.get("assigned") else None,
                status, on_hold, clean(first["body"]) if first else "", resolution,
                PRIORITY.get(t.get("priority"), 3), str(uuid.uuid4()),
            ))
            for m in messages:
                client = m["kind"] == "client"
                followups.append((
                    t["id"], loader.when(m["created_at"]),
                    f"E-Mail Received from {email}"[:200] if client else "Comment",
                    clean(m["body"]), m["kind"] != "note", None if client else staff,
                ))
            n_tickets += 1
            n_followups += len(messages)
            if len(tickets) >= args.batch:
                loader.write(tickets, followups)
                tickets, followups = [], []
                bar.set_postfix_str(f"{n_tickets:,} tickets", refresh=False)
    if tickets:
        loader.write(tickets, followups)
    bar.close()
    loader.finish()
    seconds = time.monotonic() - started
    emit({"tickets": n_tickets, "followups": n_followups, "seconds": round(seconds, 2),
          "rate": round(n_tickets / seconds, 1) if seconds else None,
          "db": connection.vendor})
