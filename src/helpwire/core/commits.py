"""Commits that need not wait for the disk, made durable together by a later one.

PostgreSQL writes its log in order, so a synchronous commit makes every earlier commit of
the server durable with it. A batch of small transactions (an IMAP poll taking in fifty
mails, one transaction each) can therefore commit without waiting for an fsync each and
rely on the synchronous write that ends the batch (the poll's new position): a crash
before it loses the batch's rows *and* the position, so the same mail is fetched again and
nothing is lost. SQLite (WAL, ``synchronous=NORMAL``) never waits per commit anyway.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import DatabaseError, connection


@contextmanager
def deferred_durability() -> Iterator[None]:
    """Commits inside do not wait for the disk; the caller's next commit after it does."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO off")
    try:
        yield
    finally:
        try:
            with connection.cursor() as cursor:
                cursor.execute("RESET synchronous_commit")
        except DatabaseError:
            connection.close()  # broken (the server restarted): never reused as it is
