"""Model → response dicts. Kept apart from the endpoints so list and detail share them and
every related row comes from what the selectors prefetched (no query per row)."""

from __future__ import annotations

from typing import Any

from helpwire.accounts.models import Agent
from helpwire.accounts.permissions import may_see_contacts
from helpwire.clients.models import Client
from helpwire.core.actors import ActorFields
from helpwire.sla import tracking
from helpwire.tickets.models import Attachment, Message, Ticket


def ref(obj: Any) -> dict[str, Any] | None:
    return {"id": obj.pk, "name": str(obj)} if obj is not None else None


def author(row: ActorFields) -> dict[str, Any]:
    out = {"kind": row.actor_kind, "name": row.actor_name, "agent_id": row.actor_agent_id,
           "client_id": row.actor_client_id}
    if row.actor_kind == "rule":
        out["rule_id"] = (getattr(row, "meta", None) or {}).get("rule_id")
    return out


def client_brief(client: Client) -> dict[str, Any]:
    return {"id": client.pk, "name": str(client), "is_internal": client.is_internal}


def identities(client: Client, *, viewer: Agent) -> list[dict[str, Any]]:
    if not may_see_contacts(viewer):
        return []
    return [{"id": i.pk, "kind": i.kind, "value": i.value} for i in client.identities.all()]


def client(client: Client, *, viewer: Agent) -> dict[str, Any]:
    return {
        **client_brief(client),
        "company": ref(client.company),
        "responsible": ref(client.responsible),
        "note": client.note,
        "identities": identities(client, viewer=viewer),
        "created_at": client.created_at,
        "merged_into_id": client.merged_into_id,
    }


_FETCH: Any = object()


def ticket(t: Ticket, *, tags: list[str] | None = None, sla: Any = _FETCH,
           specs: dict[Any, Any] | None = None) -> dict[str, Any]:
    """``sla``: the ticket's clocks row when the caller read a page of them at once
    (``tracking.rows_for``), else it is read here."""
    row = tracking.rows_for([t.pk]).get(t.pk) if sla is _FETCH else sla
    return {
        "sla": tracking.api_block(t, row, specs=specs),
        "id": t.pk, "number": t.number, "subject": t.subject, "status": t.status,
        "priority": t.priority, "type": t.type,
        "channel": {"id": t.channel.pk, "name": t.channel.name, "kind": t.channel.kind},
        "client": client_brief(t.client), "assignee": ref(t.assignee), "group": ref(t.group),
        "tags": sorted(tag.path for tag in t.tags.all()) if tags is None else tags,
        "created_at": t.created_at, "updated_at": t.updated_at,
        "last_message_at": t.last_message_at, "remind_at": t.remind_at,
        "merged_into_id": t.merged_into_id, "previous_id": t.previous_id,
        "archived": t.archived, "last_client_message_at": t.last_client_message_at,
        "last_agent_message_at": t.last_agent_message_at,
        "status_changed_at": t.status_changed_at,
    }


def message(m: Message, *, attachments: list[Attachment] | None = None) -> dict[str, Any]:
    return {
        "id": m.pk, "kind": m.kind, "author": author(m), "body_text": m.body_text,
        "body_html": m.body_html, "created_at": m.created_at,
        "delivery_state": m.delivery_state, "delivery_error": m.delivery_error,
        "attachments": [
            {"id": str(a.pk), "filename": a.filename, "content_type": a.content_type,
             "size": a.size, "rejected_reason": a.rejected_reason}
            for a in (m.attachments.all() if attachments is None else attachments)
        ],
    }


def ticket_detail(t: Ticket, *, viewer: Agent) -> dict[str, Any]:
    return {
        **ticket(t),
        "fields": {fv.field.key: fv.value for fv in t.field_values.all()},
        "identities": identities(t.client, viewer=viewer),
        "messages": [message(m) for m in t.messages.all()],
        "history": [{"at": c.created_at, "actor": author(c), "field": c.field, "old": c.old,
                     "new": c.new} for c in t.history.all()],
    }


def new_ticket_detail(t: Ticket, first: Message, *, viewer: Agent) -> dict[str, Any]:
    """``ticket_detail`` of a ticket just opened by one message with no tags, fields or
    attachments, from the objects in hand: answering an API creation by reading back what
    it just wrote cost more than the creation (the shapes agree: tests/api/test_tickets)."""
    return {
        **ticket(t, tags=[]),
        "fields": {},
        "identities": identities(t.client, viewer=viewer),
        "messages": [message(first, attachments=[])],
        "history": [],
    }
