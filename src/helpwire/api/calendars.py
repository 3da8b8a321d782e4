"""Working-hours calendars [TM2]: ``/api/v1/calendars``, and which calendar a group keeps
(``PATCH /api/v1/groups/{id}``). The same validation as the settings screen
(``calendars.inputs``), so an admin can keep calendars in version control."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Router, Status

from helpwire.accounts import permissions
from helpwire.accounts.models import Agent, Group
from helpwire.api.auth import agent_of
from helpwire.api.schemas import (
    ERRORS,
    CalendarIn,
    CalendarOut,
    CalendarPatch,
    GroupOut,
    GroupPatch,
    Id,
)
from helpwire.calendars import actions, inputs
from helpwire.calendars.models import Calendar
from helpwire.sla import actions as sla_actions
from helpwire.sla.models import SlaPolicy

router = Router(tags=["calendars"])
MANAGE = "settings.manage"


def serialize(c: Calendar) -> dict[str, Any]:
    return {"id": c.pk, "name": c.name, "time_zone": c.time_zone, "week": c.week,
            "rotation": c.rotation, "holidays": c.holidays or None, "days": c.days,
            "is_default": c.is_default, "updated_at": c.updated_at,
            "group_ids": sorted(g.pk for g in c.groups.all())}


def _admin(request: HttpRequest) -> Agent:
    agent = agent_of(request)
    permissions.require(agent, MANAGE)
    return agent


def _save(values: dict[str, Any], calendar: Calendar | None, is_default: bool | None
          ) -> Calendar:
    cleaned = inputs.clean(
        name=values.get("name", ""), time_zone=values.get("time_zone") or settings.TIME_ZONE,
        week=values.get("week"), rotation=values.get("rotation"),
        holidays=values.get("holidays"), days=values.get("days"), instance=calendar)
    return actions.save_calendar(values=cleaned, calendar=calendar, is_default=is_default)


@router.get("/calendars", response={200: list[CalendarOut], **ERRORS})
def list_calendars(request: HttpRequest) -> Any:
    agent_of(request)
    return [serialize(c) for c in Calendar.objects.prefetch_related("groups")]


@router.get("/calendars/{calendar_id}", response={200: CalendarOut, **ERRORS})
def get_calendar(request: HttpRequest, calendar_id: Id) -> Any:
    agent_of(request)
    return serialize(get_object_or_404(Calendar, pk=calendar_id))


@router.post("/calendars", response={201: CalendarOut, **ERRORS},
             summary="Create a calendar (the first one becomes the company default)")
def create_calendar(request: HttpRequest, payload: CalendarIn) -> Any:
    _admin(request)
    values = payload.dict()
    return Status(201, serialize(_save(values, None, payload.is_default)))


@router.patch("/calendars/{calendar_id}", response={200: CalendarOut, **ERRORS},
              summary="Change a calendar: only the fields sent change")
def patch_calendar(request: HttpRequest, calendar_id: Id, payload: CalendarPatch) -> Any:
    _admin(request)
    with transaction.atomic():
        calendar = get_object_or_404(Calendar.objects.select_for_update(), pk=calendar_id)
        values = {k: getattr(calendar, k) for k in
                  ("name", "time_zone", "week", "rotation", "holidays", "days")}
        sent = payload.dict(exclude_unset=True)
        if "week" in sent and "rotation" not in sent:
            sent["rotation"] = None  # a week sent replaces a rotation
        values.update({k: v for k, v in sent.items() if k != "is_default"})
        saved = _save(values, calendar, sent.get("is_default"))
    return serialize(saved)


@router.delete("/calendars/{calendar_id}", response={204: None, **ERRORS})
def delete_calendar(request: HttpRequest, calendar_id: Id) -> Any:
    _admin(request)
    calendar = get_object_or_404(Calendar, pk=calendar_id)
    try:
        actions.delete_calendar(calendar=calendar)
    except actions.CalendarInUse as e:
        raise ValidationError(
            _("Groups use this calendar: %(groups)s. Give them another one first.")
            % {"groups": ", ".join(e.users)}, code="in_use") from None
    return Status(204, None)


@router.patch("/groups/{group_id}", response={200: GroupOut, **ERRORS},
              summary="Set a group's working-hours calendar and SLA policy (null: the defaults)")
def patch_group(request: HttpRequest, group_id: Id, payload: GroupPatch) -> Any:
    _admin(request)
    group = get_object_or_404(Group, pk=group_id)
    sent = payload.dict(exclude_unset=True)
    with transaction.atomic():
        if "calendar_id" in sent:
            if payload.calendar_id is not None:
                get_object_or_404(Calendar, pk=payload.calendar_id)
            group.calendar_id = payload.calendar_id
            group.save(update_fields=["calendar"])
        if "sla_policy_id" in sent:
            policy = (get_object_or_404(SlaPolicy, pk=payload.sla_policy_id)
                      if payload.sla_policy_id is not None else None)
            sla_actions.set_group_policy(group=group, policy=policy)
    return {"id": group.pk, "name": group.name, "description": group.description,
            "calendar_id": group.calendar_id,
            "sla_policy_id": sla_actions.group_policy_ids([group.pk]).get(group.pk)}
