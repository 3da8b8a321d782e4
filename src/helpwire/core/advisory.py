"""Named transaction locks: PostgreSQL advisory locks held until commit, for things that
have no row yet to lock (a conversation key not yet seen, a mail sender's daily cap). On
SQLite writers are serialised already (IMMEDIATE transactions), so nothing is needed."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from django.db import connection


def lock_id(name: str) -> int:
    digest = hashlib.blake2b(name.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def lock(names: Iterable[str]) -> None:
    """Wait for, then hold until this transaction ends, a lock per name (in one order, so
    two callers with overlapping names never deadlock)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for value in sorted({lock_id(n) for n in names if n}):
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [value])
