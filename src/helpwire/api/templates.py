"""Reply templates [TK7]: ``/api/v1/templates`` with the settings screen's validation
(``automation.template_inputs``). Every agent reads them; admins change them."""

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
from helpwire.api.schemas import ERRORS, Id, TemplateIn, TemplateOut, TemplatePatch
from helpwire.automation import actions, template_inputs
from helpwire.automation.models import ReplyTemplate

router = Router(tags=["templates"])


def serialize(t: ReplyTemplate) -> dict[str, Any]:
    return {"id": t.pk, "title": t.title, "body": t.body, "section": t.section,
            "is_active": t.is_active, "actions": t.actions or []}


def _save(template: ReplyTemplate, values: dict[str, Any]) -> ReplyTemplate:
    cleaned = template_inputs.clean(title=values["title"], body_text=values["body"],
                                    section_path=values["section"],
                                    is_active=values["is_active"],
                                    actions_list=values.get("actions") or [])
    return actions.save_template(template=template, values=cleaned)


@router.get("/templates", response={200: list[TemplateOut], **ERRORS},
            summary="Reply templates, by section and title")
def list_templates(request: HttpRequest) -> Any:
    agent_of(request)
    return [serialize(t) for t in ReplyTemplate.objects.order_by("section", "title")]


@router.post("/templates", response={201: TemplateOut, **ERRORS})
def create_template(request: HttpRequest, payload: TemplateIn) -> Any:
    permissions.require(agent_of(request), "settings.manage")
    return Status(201, serialize(_save(ReplyTemplate(), payload.dict())))


@router.patch("/templates/{template_id}", response={200: TemplateOut, **ERRORS},
              summary="Change a template: only the fields sent change")
def patch_template(request: HttpRequest, template_id: Id, payload: TemplatePatch) -> Any:
    permissions.require(agent_of(request), "settings.manage")
    with transaction.atomic():
        template = get_object_or_404(ReplyTemplate.objects.select_for_update(), pk=template_id)
        values = serialize(template) | payload.dict(exclude_unset=True)
        return serialize(_save(template, values))


@router.delete("/templates/{template_id}", response={204: None, **ERRORS})
def delete_template(request: HttpRequest, template_id: Id) -> Any:
    permissions.require(agent_of(request), "settings.manage")
    try:
        actions.delete_template(template=get_object_or_404(ReplyTemplate, pk=template_id))
    except actions.TemplateInUse as e:
        raise ValidationError(_("Rules reply with this template: %(rules)s. Change them "
                                "first.") % {"rules": ", ".join(e.rules)},
                              code="in_use") from None
    return Status(204, None)
