"""SLA policies [SL1 SL2]: ``/api/v1/sla-policies`` with the policy screen's validation
(``sla.inputs``). Every agent reads them (a ticket's clock names its policy); admins change
them. A group's policy is ``PATCH /api/v1/groups/{id} {"sla_policy_id"}``."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Router, Status

from helpwire.accounts import permissions
from helpwire.api.auth import agent_of
from helpwire.api.schemas import ERRORS, Id, SlaPolicyIn, SlaPolicyOut, SlaPolicyPatch
from helpwire.sla import actions, inputs
from helpwire.sla.models import SlaPolicy

router = Router(tags=["sla"])


def serialize(p: SlaPolicy) -> dict[str, Any]:
    return {"id": p.pk, "name": p.name, "calendar_id": p.calendar_id, "targets": p.targets,
            "warning_seconds": p.warning_seconds, "pause_on": p.pause_on,
            "notes_count": p.notes_count, "is_default": p.is_default}


def _save(policy: SlaPolicy | None, values: dict[str, Any]) -> SlaPolicy:
    cleaned = inputs.clean(name=values["name"], calendar_id=values["calendar_id"],
                           targets_value=values["targets"],
                           warning_seconds=values["warning_seconds"],
                           pause_on=values["pause_on"], notes_count=values["notes_count"])
    return actions.save_policy(policy=policy, values=cleaned,
                               is_default=values.get("is_default"))


@router.get("/sla-policies", response={200: list[SlaPolicyOut], **ERRORS})
def list_policies(request: HttpRequest) -> Any:
    agent_of(request)
    return [serialize(p) for p in SlaPolicy.objects.order_by("name")]


@router.post("/sla-policies", response={201: SlaPolicyOut, **ERRORS},
             summary="Create an SLA policy (the first one made is the default)")
def create_policy(request: HttpRequest, payload: SlaPolicyIn) -> Any:
    permissions.require(agent_of(request), "settings.manage")
    return Status(201, serialize(_save(None, payload.dict())))


@router.get("/sla-policies/{policy_id}", response={200: SlaPolicyOut, **ERRORS})
def get_policy(request: HttpRequest, policy_id: Id) -> Any:
    agent_of(request)
    return serialize(get_object_or_404(SlaPolicy, pk=policy_id))


@router.patch("/sla-policies/{policy_id}", response={200: SlaPolicyOut, **ERRORS},
              summary="Change a policy: only the fields sent change")
def patch_policy(request: HttpRequest, policy_id: Id, payload: SlaPolicyPatch) -> Any:
    permissions.require(agent_of(request), "settings.manage")
    with transaction.atomic():
        policy = get_object_or_404(SlaPolicy.objects.select_for_update(), pk=policy_id)
        values = serialize(policy) | payload.dict(exclude_unset=True)
        if "is_default" not in payload.dict(exclude_unset=True):
            values["is_default"] = None
        return serialize(_save(policy, values))


@router.delete("/sla-policies/{policy_id}", response={204: None, **ERRORS})
def delete_policy(request: HttpRequest, policy_id: Id) -> Any:
    permissions.require(agent_of(request), "settings.manage")
    try:
        actions.delete_policy(policy=get_object_or_404(SlaPolicy, pk=policy_id))
    except actions.PolicyInUse as e:
        raise ValidationError(_("Groups use this policy: %(groups)s. Give them another one "
                                "first.") % {"groups": ", ".join(e.groups)},
                              code="in_use") from None
    return Status(204, None)
