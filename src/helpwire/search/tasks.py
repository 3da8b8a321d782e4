"""Background rebuilds too big for the write that caused them (a client with many tickets
renamed or merged)."""

from __future__ import annotations

from django_tasks import task

from helpwire.search import documents


@task()
def rebuild_client_documents(client_id: int) -> int:
    """Rebuild the documents of every ticket of a client; returns how many."""
    return documents.rebuild_client(client_id)
