"""Reference data: the tag tree, groups, agents and custom fields."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Status

from helpwire.accounts import permissions
from helpwire.accounts.models import Agent, Group
from helpwire.api.auth import agent_of
from helpwire.api.schemas import ERRORS, AgentOut, FieldOut, GroupOut, TagIn, TagOut
from helpwire.sla import actions as sla_actions
from helpwire.tickets import tags
from helpwire.tickets.models import CustomField, Tag

router = Router(tags=["directory"])


def _tag(t: Tag) -> dict[str, Any]:
    return {"id": t.pk, "name": t.name, "path": t.path, "parent_id": t.parent_id}


@router.get("/tags", response={200: list[TagOut], **ERRORS},
            summary="The tag tree, depth first (ordered by full path)")
def list_tags(request: HttpRequest) -> Any:
    agent_of(request)
    return [_tag(t) for t in Tag.objects.order_by("path")]


@router.post("/tags", response={201: TagOut, **ERRORS},
             summary="Create a tag by full path (missing parents are created)")
def create_tag(request: HttpRequest, payload: TagIn) -> Any:
    permissions.require(agent_of(request), "tag.create")
    return Status(201, _tag(tags.ensure(payload.path)))


@router.get("/groups", response={200: list[GroupOut], **ERRORS})
def list_groups(request: HttpRequest) -> Any:
    agent_of(request)
    groups = list(Group.objects.order_by("name"))
    policies = sla_actions.group_policy_ids([g.pk for g in groups])
    return [{"id": g.pk, "name": g.name, "description": g.description,
             "calendar_id": g.calendar_id, "sla_policy_id": policies.get(g.pk)}
            for g in groups]


@router.get("/agents", response={200: list[AgentOut], **ERRORS})
def list_agents(request: HttpRequest) -> Any:
    """The team. Contractors (outsiders) see names only: no emails, roles or groups."""
    full = permissions.can(agent_of(request), "agent.directory")
    return [{"id": a.pk, "name": a.name, "email": a.email if full else None,
             "role": a.role if full else None, "is_active": a.is_active,
             "group_ids": sorted(g.pk for g in a.groups.all()) if full else []}
            for a in Agent.objects.prefetch_related("groups").order_by("name")]


@router.get("/fields", response={200: list[FieldOut], **ERRORS})
def list_fields(request: HttpRequest) -> Any:
    agent_of(request)
    return [{"id": f.pk, "key": f.key, "label": f.label, "kind": f.kind, "options": f.options,
             "required": f.required, "channel_ids": sorted(c.pk for c in f.channels.all())}
            for f in CustomField.objects.filter(is_active=True).prefetch_related("channels")]
