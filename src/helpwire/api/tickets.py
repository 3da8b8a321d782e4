"""Ticket endpoints: every write goes through the same actions and permission checks as
the workspace."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.db import transaction
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema, Status
from pydantic import Field

from helpwire.api import serialize
from helpwire.api.auth import agent_of
from helpwire.api.schemas import (
    ERRORS,
    Id,
    MergeTicketsIn,
    MessageIn,
    MessageOut,
    PriorityName,
    ReminderIn,
    Short,
    StatusName,
    TicketDetailOut,
    TicketIn,
    TicketList,
    TicketOut,
    TicketPatch,
)
from helpwire.automation.replies import reply_with_templates
from helpwire.connectors.models import Channel, ChannelKind
from helpwire.connectors.types import InboundMessage, Sender
from helpwire.conversations import ingest
from helpwire.core.actors import Actor
from helpwire.search.query import search
from helpwire.sla import actions as sla_actions
from helpwire.sla import tracking
from helpwire.sla.models import SlaPolicy, Source
from helpwire.tickets import inputs, selectors
from helpwire.tickets.actions import clear_reminder, set_reminder, update_ticket
from helpwire.tickets.filters import TicketFilter, parse_field_params
from helpwire.tickets.merge import merge_tickets

router = Router(tags=["tickets"])


class TicketQuery(Schema):
    status: list[StatusName] = Field(default=[], description="Repeat for several.")
    priority: list[PriorityName] = []
    assignee: Short | None = Field(default=None, description='Agent id, or "none".')
    group: Id | None = None
    tag: Short | None = Field(default=None, description="Full path or id; includes subtags.")
    channel: Id | None = None
    client: Id | None = None
    company: Id | None = None
    created_after: datetime | None = None
    created_before: datetime | None = None
    updated_after: datetime | None = None
    updated_before: datetime | None = None
    field: list[Short] = Field(default=[], description="Custom field filter, key=value "
                               "(repeat for several; nested lists as “A › B”).")
    q: Short | None = Field(default=None, description="Number, email, phone or words.")
    sort: Literal["updated", "-updated", "created", "-created", "priority", "-priority",
                  "waiting", "-waiting", "sla_due", "-sla_due"] = Field(
        default="-updated", description="Order of the list (“-” for descending; tickets "
        "nobody waits on come last for `waiting`, tickets without a running SLA clock for "
        "`sla_due`). The cursor carries it.")
    sla_state: Literal["breached", "warning"] | None = Field(
        default=None, description="Tickets with an SLA clock past due, or inside its warning "
        "window.")
    cursor: Short | None = None
    limit: int = Field(default=50, ge=1, le=200)

    def to_filter(self) -> TicketFilter:
        return TicketFilter(
            status=list(self.status), priority=list(self.priority), assignee=self.assignee,
            group=self.group, tag=self.tag, channel=self.channel, client=self.client,
            company=self.company, created_after=self.created_after,
            created_before=self.created_before, updated_after=self.updated_after,
            updated_before=self.updated_before, fields=parse_field_params(list(self.field)),
            extra={"sla_state": self.sla_state} if self.sla_state else {},
        )


def _detail(request: HttpRequest, pk: int) -> dict[str, Any]:
    viewer = agent_of(request)
    return serialize.ticket_detail(selectors.ticket_detail(viewer=viewer, pk=pk), viewer=viewer)


@router.get("/tickets", response={200: TicketList, **ERRORS}, summary="List or search tickets")
def list_tickets(request: HttpRequest, query: Query[TicketQuery]) -> Any:
    viewer = agent_of(request)
    filters = query.to_filter()
    if query.q and query.q.strip():
        qs = selectors.ticket_queryset(viewer=viewer, filters=filters)
        hits = search(q=query.q, queryset=qs.select_related(*selectors.LIST_RELATED)
                      .prefetch_related("tags"), limit=query.limit)
        clocks = tracking.rows_for([h.ticket.pk for h in hits])
        specs: dict[Any, Any] = {}
        return {"items": [serialize.ticket(h.ticket, sla=clocks.get(h.ticket.pk), specs=specs)
                          for h in hits], "next_cursor": None,
                "hits": [{"ticket": serialize.ticket(h.ticket, sla=clocks.get(h.ticket.pk),
                                                     specs=specs), "snippet": h.snippet,
                          "score": h.score} for h in hits]}
    page = selectors.ticket_page(viewer=viewer, filters=filters, cursor=query.cursor,
                                 limit=query.limit, sort=query.sort)
    clocks = tracking.rows_for([t.pk for t in page.items])
    calendars: dict[Any, Any] = {}
    return {"items": [serialize.ticket(t, sla=clocks.get(t.pk), specs=calendars)
                      for t in page.items], "next_cursor": page.next_cursor}


@router.post("/tickets", response={201: TicketDetailOut, **ERRORS}, summary="Create a ticket")
def create_ticket(request: HttpRequest, payload: TicketIn) -> Any:
    """A client's request passed on by another system: the message is the client's, the
    ticket starts as new, on the API channel."""
    viewer = agent_of(request)
    channel = Channel.builtin(ChannelKind.API)
    inbound = InboundMessage(
        channel_id=channel.pk,
        sender=Sender(name=payload.client.name, email=payload.client.email,
                      phone=payload.client.phone),
        text=payload.message, subject=payload.subject,
        # The idempotency key is the caller's own: another caller's key neither collides
        # with it nor reveals that a ticket exists.
        external_id=f"{viewer.pk}:{payload.external_id}" if payload.external_id else None,
        ticket_defaults={"priority": payload.priority, "type": payload.type,
                         "group_id": payload.group_id, "assignee_id": payload.assignee_id,
                         "tags": payload.tags, "fields": payload.fields},
    )
    result = ingest(inbound, recorded_by=viewer, as_client=True, channel=channel)
    if result.created and not payload.tags and not payload.fields:
        return Status(201, serialize.new_ticket_detail(result.ticket, result.message,
                                                       viewer=viewer))
    return Status(201, _detail(request, result.ticket.pk))


@router.get("/tickets/{ticket_id}", response={200: TicketDetailOut, **ERRORS},
            summary="A ticket with its messages, tags, fields, client and history")
def get_ticket(request: HttpRequest, ticket_id: Id) -> Any:
    return _detail(request, ticket_id)


@router.patch("/tickets/{ticket_id}", response={200: TicketDetailOut, **ERRORS},
              summary="Change a ticket")
def patch_ticket(request: HttpRequest, ticket_id: Id, payload: TicketPatch) -> Any:
    viewer = agent_of(request)
    ticket = selectors.visible_ticket(viewer=viewer, pk=ticket_id)
    data: dict[str, Any] = {name: getattr(payload, name)
                            for name in ("subject", "status", "priority", "type")
                            if getattr(payload, name) is not None}
    if payload.unassign:
        data["assignee"] = "none"
    elif payload.assignee_id is not None:
        data["assignee"] = payload.assignee_id
    if payload.ungroup:
        data["group"] = "none"
    elif payload.group_id is not None:
        data["group"] = payload.group_id
    add, remove = list(payload.add_tags), list(payload.remove_tags)
    if payload.tags is not None:
        current = {t.path for t in ticket.tags.all()}
        add += payload.tags
        remove += [p for p in current if p not in set(payload.tags)]
    seen = payload.expected
    expected: dict[str, Any] = {}
    if seen is not None:
        expected = {name: getattr(seen, name) for name in ("status", "priority", "type",
                                                           "subject")
                    if getattr(seen, name) is not None}
        for name in ("assignee", "group"):
            value = getattr(seen, f"{name}_id")
            if value is not None:
                expected[name] = value or "none"
    form = inputs.TicketChangeForm(data, add_tags=add, remove_tags=remove,
                                   field_values=payload.fields, expected=expected,
                                   expected_fields=(seen.fields or {}) if seen else {})
    values = form.values()
    sla_sent = (payload.sla_policy_id is not None or payload.sla_policy == "group"
                or bool(payload.sla_due_at))
    with transaction.atomic():
        if payload.sla_policy_id is not None or payload.sla_policy == "group":
            policy = (get_object_or_404(SlaPolicy, pk=payload.sla_policy_id)
                      if payload.sla_policy_id is not None else None)
            sla_actions.set_ticket_policy(
                ticket=ticket, actor=Actor.of_agent(viewer), policy=policy,
                source=Source.MANUAL if policy is not None else Source.GROUP)
        for metric, due in (payload.sla_due_at or {}).items():
            sla_actions.set_ticket_due(ticket=ticket, actor=Actor.of_agent(viewer),
                                       metric=metric, due_at=due)
        if values or not sla_sent:
            update_ticket(ticket=ticket, actor=Actor.of_agent(viewer), **values)
    return _detail(request, ticket_id)


@router.post("/tickets/{ticket_id}/messages", response={201: MessageOut, **ERRORS},
             summary="Reply to the client, or add a private note")
def add_message(request: HttpRequest, ticket_id: Id, payload: MessageIn) -> Any:
    viewer = agent_of(request)
    ticket = selectors.visible_ticket(viewer=viewer, pk=ticket_id)
    values = inputs.ReplyForm({"body": payload.body, "kind": payload.kind,
                               "status": payload.status or "",
                               "channel": payload.channel_id or "",
                               "cc": ", ".join(payload.cc),
                               "bcc": ", ".join(payload.bcc)}).values()
    message = reply_with_templates(ticket=ticket, actor=Actor.of_agent(viewer),
                                   template_ids=payload.template_ids, **values)
    return Status(201, serialize.message(message))


@router.post("/tickets/{ticket_id}/merge", response={200: TicketDetailOut, **ERRORS},
             summary="Merge other tickets into this one")
def merge(request: HttpRequest, ticket_id: Id, payload: MergeTicketsIn) -> Any:
    viewer = agent_of(request)
    target = selectors.visible_ticket(viewer=viewer, pk=ticket_id)
    sources = [selectors.visible_ticket(viewer=viewer, pk=pk)
               for pk in dict.fromkeys(payload.ticket_ids)]
    merge_tickets(target=target, sources=sources, actor=Actor.of_agent(viewer),
                  allow_other_clients=payload.allow_other_clients)
    return _detail(request, ticket_id)


@router.put("/tickets/{ticket_id}/reminder", response={200: TicketOut, **ERRORS},
            summary="Set the reminder (the ticket goes to pending until then)")
def put_reminder(request: HttpRequest, ticket_id: Id, payload: ReminderIn) -> Any:
    viewer = agent_of(request)
    ticket = selectors.visible_ticket(viewer=viewer, pk=ticket_id)
    set_reminder(ticket=ticket, actor=Actor.of_agent(viewer),
                 **inputs.ReminderForm({"remind_at": payload.at}).values())
    return serialize.ticket(selectors.visible_ticket(viewer=viewer, pk=ticket_id))


@router.delete("/tickets/{ticket_id}/reminder", response={200: TicketOut, **ERRORS},
               summary="Drop the reminder")
def delete_reminder(request: HttpRequest, ticket_id: Id) -> Any:
    viewer = agent_of(request)
    ticket = selectors.visible_ticket(viewer=viewer, pk=ticket_id)
    clear_reminder(ticket=ticket, actor=Actor.of_agent(viewer))
    return serialize.ticket(selectors.visible_ticket(viewer=viewer, pk=ticket_id))
