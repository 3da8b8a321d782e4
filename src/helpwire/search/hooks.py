"""Keeping the index in step with every ingest and edit, inside the same transaction.

These run through ``events.in_transaction``: the document changes in the transaction that
wrote the message or the edit, so a search right after a reply finds it (no task, no lag),
and a rolled-back write leaves no trace in the index either.

Each hook runs in a savepoint and logs instead of raising: a fault in search must never
lose a client's message or an agent's reply. A document that missed an update is repaired
by the next rebuild of that ticket or by ``helpwire search reindex``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import transaction

from helpwire.core import events
from helpwire.core.models import Event
from helpwire.search import documents
from helpwire.search.tasks import rebuild_client_documents

logger = logging.getLogger("helpwire.search")

# A rename rebuilds this many of the client's newest tickets in the write itself; the rest
# are rebuilt by a task after commit.
CLIENT_INLINE_TICKETS = 200


def _guarded(func: Callable[[Event], None], *,
             wanted: Callable[[Event], bool] | None = None) -> Callable[[Event], None]:
    """``wanted`` says, without touching the database, whether the event concerns the index
    at all: most ticket changes do not, and they skip the savepoint."""
    def run(event: Event) -> None:
        if wanted is not None and not wanted(event):
            return
        try:
            with transaction.atomic():
                func(event)
        except Exception:
            if transaction.get_rollback():
                # The savepoint could not be rolled back: the connection is gone (PostgreSQL
                # restarted) and the whole write with it. Swallowed, the caller went on as
                # if it had been stored — Django rolls back quietly at the end of the block
                # — and the API answered 404, or 201, for a ticket that was never stored
                # (tests/faults/test_pg_restart.py). The write fails instead, and is retried.
                raise
            logger.exception("search index update failed for event %s (%s)",
                             event.pk, event.kind)

    run.__name__ = func.__name__
    run.__doc__ = func.__doc__
    return run


def _int(value: object) -> int | None:
    return value if isinstance(value, int) else None


@events.in_transaction(events.TICKET_CREATED)
@_guarded
def ticket_created(event: Event) -> None:
    if event.ticket_id is not None:
        documents.create(ticket_id=event.ticket_id, ticket=events.held(event, "ticket"))


@events.in_transaction(events.MESSAGE_RECEIVED, events.MESSAGE_ADDED)
@_guarded
def message_stored(event: Event) -> None:
    message_id = _int(event.payload.get("message_id"))
    if event.ticket_id is not None and message_id is not None:
        documents.append_message(ticket_id=event.ticket_id, message_id=message_id,
                                 message=events.held(event, "message"))


def _subject_changed(event: Event) -> bool:
    return event.ticket_id is not None and "subject" in (event.payload.get("changes") or {})


def _rebuild_on_subject(event: Event) -> None:
    if event.ticket_id is not None:
        documents.rebuild([event.ticket_id])


ticket_changed = events.in_transaction(events.TICKET_CHANGED)(
    _guarded(_rebuild_on_subject, wanted=_subject_changed))


@events.in_transaction(events.TICKET_MERGED)
@_guarded
def ticket_merged(event: Event) -> None:
    source_id = _int(event.payload.get("source_id"))
    target_id = _int(event.payload.get("target_id")) or event.ticket_id
    if source_id is not None and target_id is not None:
        documents.merge(source_id=source_id, target_id=target_id)


def _client_renamed(client_id: int) -> None:
    ids = documents.client_tickets(client_id, limit=CLIENT_INLINE_TICKETS + 1)
    documents.rebuild(ids[:CLIENT_INLINE_TICKETS])
    if len(ids) > CLIENT_INLINE_TICKETS:
        transaction.on_commit(lambda: rebuild_client_documents.enqueue(client_id))


@events.in_transaction(events.CLIENT_CHANGED)
@_guarded
def client_changed(event: Event) -> None:
    client_id = _int(event.payload.get("client_id"))
    fields = event.payload.get("fields") or []
    if client_id is not None and "name" in fields:
        _client_renamed(client_id)


@events.in_transaction(events.CLIENT_MERGED)
@_guarded
def client_merged(event: Event) -> None:
    # The moved tickets' documents carry the old card's name; the target's name is what
    # they are searched by now.
    target_id = _int(event.payload.get("target_id"))
    if target_id is not None:
        _client_renamed(target_id)
