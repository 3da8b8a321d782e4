"""Client endpoints: list and search, create, read with tickets, update, identities, merge."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from helpwire.accounts import permissions
from helpwire.accounts.models import Agent
from helpwire.api import serialize
from helpwire.api.auth import agent_of
from helpwire.api.schemas import (
    ERRORS,
    ClientDetailOut,
    ClientIn,
    ClientList,
    ClientOut,
    ClientPatch,
    Id,
    IdentityIn,
    MergeClientsIn,
    Short,
)
from helpwire.clients import actions
from helpwire.clients import selectors as client_selectors
from helpwire.clients.models import Client, Company, Identity
from helpwire.core.actors import Actor
from helpwire.tickets import selectors
from helpwire.tickets.access import visible_clients

router = Router(tags=["clients"])


class ClientQuery(Schema):
    q: Short | None = Field(default=None, description="Name, email or phone.")
    company: Id | None = None
    internal: bool | None = None
    after: Id | None = Field(default=None, description="Cursor: the last id of the page.")
    limit: int = Field(default=50, ge=1, le=200)


def _viewer(request: HttpRequest, perm: str) -> Agent:
    viewer = agent_of(request)
    permissions.require(viewer, perm)
    return viewer


def _client_qs(viewer: Agent) -> QuerySet[Client]:
    """Live cards the caller may see (a card he may not see is a 404, like a ticket)."""
    return visible_clients(viewer, Client.objects.filter(merged_into__isnull=True)
                           ).select_related("company", "responsible").prefetch_related(
        "identities")


def _get(pk: int, viewer: Agent) -> Client:
    client = _client_qs(viewer).filter(pk=pk).first()
    if client is None:
        raise Http404(_("No such client."))
    return client


@router.get("/clients", response={200: ClientList, **ERRORS}, summary="List or find clients")
def list_clients(request: HttpRequest, query: Query[ClientQuery]) -> Any:
    viewer = _viewer(request, "client.view")
    qs = _client_qs(viewer)
    if query.q:
        qs = client_selectors.matching(qs, query.q)
    if query.company is not None:
        qs = qs.filter(company_id=query.company)
    if query.internal is not None:
        qs = qs.filter(is_internal=query.internal)
    if query.after is not None:
        qs = qs.filter(pk__lt=query.after)
    rows = list(qs.order_by("-pk")[: query.limit + 1])
    more = len(rows) > query.limit
    rows = rows[: query.limit]
    return {"items": [serialize.client(c, viewer=viewer) for c in rows],
            "next_cursor": str(rows[-1].pk) if more and rows else None}


def _resolve(payload: ClientIn | ClientPatch) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if payload.company_id is not None:
        out["company"] = Company.objects.filter(pk=payload.company_id).first()
        if out["company"] is None:
            raise ValidationError(_("No company with id %(id)s."), code="invalid_company",
                                  params={"id": payload.company_id})
    if payload.responsible_id is not None:
        out["responsible"] = Agent.objects.filter(pk=payload.responsible_id).first()
        if out["responsible"] is None:
            raise ValidationError(_("No agent with id %(id)s."), code="invalid_responsible",
                                  params={"id": payload.responsible_id})
    return out


@router.post("/clients", response={201: ClientOut, **ERRORS}, summary="Create a client")
def create_client(request: HttpRequest, payload: ClientIn) -> Any:
    viewer = _viewer(request, "client.edit")
    client = actions.create_client(
        actor=Actor.of_agent(viewer), name=payload.name, email=payload.email,
        phone=payload.phone, handles=dict(payload.handles), is_internal=payload.is_internal,
        **_resolve(payload))
    return Status(201, serialize.client(_get(client.pk, viewer), viewer=viewer))


@router.get("/clients/{client_id}", response={200: ClientDetailOut, **ERRORS},
            summary="A client with identities and the tickets you may see")
def get_client(request: HttpRequest, client_id: Id) -> Any:
    viewer = _viewer(request, "client.view")
    client = _get(client_id, viewer)
    tickets = (selectors.ticket_queryset(viewer=viewer).filter(client=client)
               .select_related(*selectors.LIST_RELATED).prefetch_related("tags")
               .order_by("-created_at", "-pk")[:100])
    return {**serialize.client(client, viewer=viewer),
            "tickets": [serialize.ticket(t) for t in tickets]}


@router.patch("/clients/{client_id}", response={200: ClientOut, **ERRORS},
              summary="Change a client")
def patch_client(request: HttpRequest, client_id: Id, payload: ClientPatch) -> Any:
    viewer = _viewer(request, "client.edit")
    client = _get(client_id, viewer)
    changes = _resolve(payload)
    for name in ("name", "is_internal", "note"):
        if getattr(payload, name) is not None:
            changes[name] = getattr(payload, name)
    actions.update_client(client=client, actor=Actor.of_agent(viewer), **changes)
    return serialize.client(_get(client_id, viewer), viewer=viewer)


@router.post("/clients/{client_id}/identities", response={201: ClientOut, **ERRORS},
             summary="Add an email, phone or messenger id")
def add_identity(request: HttpRequest, client_id: Id, payload: IdentityIn) -> Any:
    viewer = _viewer(request, "client.edit")
    actions.add_identity(client=_get(client_id, viewer), kind=payload.kind,
                         value=payload.value,
                         actor=Actor.of_agent(viewer))
    return Status(201, serialize.client(_get(client_id, viewer), viewer=viewer))


@router.delete("/clients/{client_id}/identities/{identity_id}",
               response={200: ClientOut, **ERRORS}, summary="Remove an identity")
def remove_identity(request: HttpRequest, client_id: Id, identity_id: Id) -> Any:
    viewer = _viewer(request, "client.edit")
    _get(client_id, viewer)  # a card the caller may not see is a 404 here too
    identity = Identity.objects.filter(pk=identity_id, client_id=client_id).first()
    if identity is None:
        raise Http404(_("No such identity."))
    actions.remove_identity(identity=identity, actor=Actor.of_agent(viewer))
    return serialize.client(_get(client_id, viewer), viewer=viewer)


@router.post("/clients/{client_id}/merge", response={200: ClientOut, **ERRORS},
             summary="Merge other client cards into this one")
def merge_clients(request: HttpRequest, client_id: Id, payload: MergeClientsIn) -> Any:
    viewer = agent_of(request)
    if not permissions.can(viewer, "client.merge"):
        raise PermissionDenied(_("Only supervisors and administrators merge clients."))
    target = _get(client_id, viewer)
    with transaction.atomic():
        for pk in dict.fromkeys(payload.client_ids):
            actions.merge_clients(source=_get(pk, viewer), target=target,
                                  actor=Actor.of_agent(viewer))
    return serialize.client(_get(client_id, viewer), viewer=viewer)
