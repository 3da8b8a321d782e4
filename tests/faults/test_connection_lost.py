"""The database connection lost in the middle of a write (PostgreSQL restarted, found by
test_pg_restart.py): the write fails as a whole, and is never reported as stored.

The search index is updated inside the write, in a savepoint whose errors are only logged
(search must never lose a message). When the connection itself is gone, that savepoint
cannot be rolled back either; swallowing the error let ``ingest`` return as if it had
stored the message — Django rolls back quietly at the end of the block — and the API
answered 404 for the ticket it had just "created". Here the connection is cut at that very
moment, by the server (``pg_terminate_backend``), as a restart does.
"""

from __future__ import annotations

import psycopg
import pytest
from django.db import DatabaseError, connection

from helpwire.search import documents
from helpwire.tickets.models import Message, Ticket
from tests.race import _conninfo

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_it_fails_the_write_when_the_connection_dies_while_indexing(inbound, monkeypatch):
    indexed = documents.append_message

    def cut_then_index(**kwargs: int) -> None:
        with psycopg.connect(**_conninfo()) as other:
            other.execute("SELECT pg_terminate_backend(%s)",
                          [connection.connection.info.backend_pid])
        indexed(**kwargs)

    monkeypatch.setattr(documents, "append_message", cut_then_index)
    with pytest.raises(DatabaseError):
        inbound(external_id="lost-1", thread="lost-1")
    assert not Message.objects.filter(external_id="lost-1").exists()
    assert not Ticket.objects.exists()
