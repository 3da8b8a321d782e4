"""Django's PostgreSQL backend, with a pool that gets over a restart of the server [#11].

The pool hands out idle connections as they are. After PostgreSQL restarted (or failed
over) every one of them is dead, and each failed the request it was given with a 500
(tests/faults/test_pg_restart.py). psycopg_pool's own check (``CONN_HEALTH_CHECKS``) finds
them one at a time with a pause of 1, 2, 4, 8 s between them, so with a few idle the
request still ran out of time. Here a connection is checked as it is handed out (one empty
query), and a dead one means the server went away: every idle connection is checked at once
(``pool.check()`` replaces the dead ones) and the request waits for a live one.
"""

from __future__ import annotations

from typing import Any

import psycopg
from django.db.backends.postgresql import base
from psycopg_pool import ConnectionPool


class DatabaseWrapper(base.DatabaseWrapper):
    def get_new_connection(self, conn_params: dict[str, Any]) -> Any:
        connection = super().get_new_connection(conn_params)
        pool = self.pool
        if pool is None:
            return connection
        try:
            ConnectionPool.check_connection(connection)
        except psycopg.Error:
            pool.putconn(connection)  # broken: the pool drops it and opens another
            pool.check()
            connection = super().get_new_connection(conn_params)
        return connection
