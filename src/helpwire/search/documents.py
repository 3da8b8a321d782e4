"""Writing search documents: build, append, merge, remove — the only code that writes them.

A document is built from the ticket's subject, its client's name and every message's
``body_text`` (inbound, outbound, notes, system), in conversation order. A new message
only *appends* its own terms (one UPDATE with a concatenation, which also serialises two
concurrent appends on the row lock); whole rebuilds happen when the subject or the client's
name changed, and in ``helpwire search reindex``.

Sizes are bounded so a pathological email cannot make a write fail: each message
contributes at most ``MAX_MESSAGE_CHARS`` characters of text, and past ``MAX_DOC_CHARS`` of
terms a document only gains terms it does not contain yet (PostgreSQL refuses tsvectors
over 1 MB; search still finds every word, only the ranking stops counting repeats).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import connection
from django.db.models import F, Value
from django.db.models.functions import Concat, Length
from django.utils import timezone

from helpwire.search.models import SearchDocument
from helpwire.search.normalize import lemma_text
from helpwire.tickets.models import Message, Status, Ticket

MAX_MESSAGE_CHARS = 100_000
MAX_DOC_CHARS = 400_000

TicketRow = tuple[int, str, str, str]  # id, status, subject, client name


def squeeze(lemmas: str, extra: str = "") -> str:
    """Join ``lemmas`` and ``extra``, keeping the result under ``MAX_DOC_CHARS``: past the
    limit only terms not seen before are added."""
    joined = f"{lemmas} {extra}" if lemmas and extra else (lemmas or extra)
    if len(joined) <= MAX_DOC_CHARS:
        return joined
    head = lemmas[:MAX_DOC_CHARS].rsplit(" ", 1)[0] if len(lemmas) > MAX_DOC_CHARS else lemmas
    seen = set(head.split())
    out = [head]
    size = len(head)
    for term in joined[len(head):].split():
        if term not in seen:
            seen.add(term)
            size += len(term) + 1
            if size > MAX_DOC_CHARS:
                break
            out.append(term)
    return " ".join(out)


def compose(tickets: Iterable[TicketRow],
            messages: Iterable[tuple[int, str]]) -> tuple[dict[int, str], list[int]]:
    """Documents for ``tickets`` from their ``messages`` (ticket id, text; in order).
    Merged tickets get no document (their messages live on the target): their ids are
    returned second, for removal."""
    texts: dict[int, list[str]] = {}
    merged = []
    for pk, status, subject, client_name in tickets:
        if status == Status.MERGED:
            merged.append(pk)
        else:
            texts[pk] = [subject, client_name]
    for ticket_id, body in messages:
        parts = texts.get(ticket_id)
        if parts is not None:
            parts.append(body[:MAX_MESSAGE_CHARS])
    return {pk: squeeze(lemma_text(parts)) for pk, parts in texts.items()}, merged


def save(documents: dict[int, str]) -> None:
    """Insert or replace whole documents; an unchanged document is not written at all (a
    second reindex then costs reads only, with no new row versions or index churn)."""
    if not documents:
        return
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    table = SearchDocument._meta.db_table
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} (ticket_id, lemmas, updated_at) VALUES (%s, %s, %s) "  # noqa: S608
            "ON CONFLICT (ticket_id) DO UPDATE SET lemmas = excluded.lemmas, "
            f"updated_at = excluded.updated_at WHERE {table}.lemmas <> excluded.lemmas",
            [(pk, text, now) for pk, text in documents.items()],
        )


def remove(ticket_ids: Sequence[int]) -> None:
    if ticket_ids:
        SearchDocument.objects.filter(ticket_id__in=ticket_ids).delete()


def _ticket_rows(ticket_ids: Sequence[int]) -> list[TicketRow]:
    rows = Ticket.objects.filter(pk__in=ticket_ids).values_list(
        "pk", "status", "subject", "client__name")
    return [(pk, status, subject, name or "") for pk, status, subject, name in rows]


def rebuild(ticket_ids: Sequence[int]) -> None:
    """Build the documents of these tickets again from their rows (a few tickets: hooks)."""
    if not ticket_ids:
        return
    messages = (Message.objects.filter(ticket_id__in=ticket_ids)
                .order_by("ticket_id", "created_at", "id")
                .values_list("ticket_id", "body_text"))
    documents, merged = compose(_ticket_rows(ticket_ids), messages.iterator(chunk_size=500))
    save(documents)
    remove(merged)


def rebuild_range(*, after: int, limit: int) -> tuple[int, int]:
    """Rebuild the documents of the next ``limit`` tickets with ids above ``after`` — the
    reindex step: two range reads (tickets, then their messages along the message index)
    and one bulk upsert. Returns (tickets seen, last id), (0, after) at the end."""
    rows = list(Ticket.objects.filter(pk__gt=after).order_by("pk").values_list(
        "pk", "status", "subject", "client__name")[:limit])
    if not rows:
        return 0, after
    first, last = rows[0][0], rows[-1][0]
    messages = (Message.objects.filter(ticket_id__gte=first, ticket_id__lte=last)
                .order_by("ticket_id", "created_at", "id")
                .values_list("ticket_id", "body_text"))
    documents, merged = compose(((pk, st, subj, name or "") for pk, st, subj, name in rows),
                                messages.iterator(chunk_size=5000))
    save(documents)
    remove(merged)
    return len(rows), last


def create(*, ticket_id: int, ticket: Ticket | None = None) -> None:
    """A new ticket: its subject and its client's name (messages are appended next).
    ``ticket``, when the caller holds it (with its client), saves reading it back."""
    if ticket is not None:
        subject, client_name = ticket.subject, ticket.client.name
    else:
        rows = _ticket_rows([ticket_id])
        if not rows:
            return
        _pk, _status, subject, client_name = rows[0]
    save({ticket_id: squeeze(lemma_text([subject, client_name]))})


def append(*, ticket_id: int, lemmas: str) -> None:
    """Add terms to the end of a ticket's document without reading the rest of it."""
    if not lemmas:
        return
    now = timezone.now()
    appended = (SearchDocument.objects.filter(ticket_id=ticket_id)
                .alias(size=Length("lemmas")).filter(size__lt=MAX_DOC_CHARS - len(lemmas))
                .update(lemmas=Concat(F("lemmas"), Value(" " + lemmas)), updated_at=now))
    if appended:
        return
    doc = SearchDocument.objects.select_for_update().filter(ticket_id=ticket_id).first()
    if doc is None:
        # Written before search was installed, or loaded in bulk: build it whole.
        rebuild([ticket_id])
        return
    doc.lemmas = squeeze(doc.lemmas, lemmas)
    doc.updated_at = now
    doc.save(update_fields=["lemmas", "updated_at"])


def append_message(*, ticket_id: int, message_id: int, message: Message | None = None) -> None:
    if message is not None and message.pk == message_id and message.ticket_id == ticket_id:
        body: str | None = message.body_text
    else:
        body = (Message.objects.filter(pk=message_id, ticket_id=ticket_id)
                .values_list("body_text", flat=True).first())
    if body:
        append(ticket_id=ticket_id, lemmas=lemma_text([body[:MAX_MESSAGE_CHARS]]))
    elif body is not None and not SearchDocument.objects.filter(ticket_id=ticket_id).exists():
        rebuild([ticket_id])


def merge(*, source_id: int, target_id: int) -> None:
    """The source's terms join the target's document; the source leaves the index."""
    lemmas = (SearchDocument.objects.filter(ticket_id=source_id)
              .values_list("lemmas", flat=True).first())
    if lemmas is None:
        rebuild([target_id])  # the messages have moved already: a whole build has them
    else:
        append(ticket_id=target_id, lemmas=lemmas)
    remove([source_id])


def client_tickets(client_id: int, *, limit: int | None = None) -> list[int]:
    ids = Ticket.objects.filter(client_id=client_id).order_by("-pk").values_list("pk", flat=True)
    return list(ids[:limit] if limit is not None else ids)


def rebuild_client(client_id: int, *, batch: int = 500) -> int:
    """Rebuild every ticket of a client (after a rename), in batches; returns the count."""
    ids = client_tickets(client_id)
    for start in range(0, len(ids), batch):
        rebuild(ids[start:start + batch])
    return len(ids)
