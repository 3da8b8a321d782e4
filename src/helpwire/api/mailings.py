"""Mass mailings [AU7]: ``/api/v1/mailings`` — the same checks as the mailing screen
(``automation.mailings``); the sending is a job (``GET /api/v1/jobs/{id}``)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Router, Status

from helpwire.accounts import permissions
from helpwire.accounts.models import Group
from helpwire.api.auth import agent_of
from helpwire.api.jobs import job_out
from helpwire.api.schemas import ERRORS, Id, MailingIn, MailingOut
from helpwire.automation import mailings
from helpwire.automation.models import Mailing, ReplyTemplate
from helpwire.connectors.models import Channel

router = Router(tags=["mailings"])


def serialize(m: Mailing, invalid: list[str] | None = None) -> dict[str, Any]:
    return {"id": m.pk, "name": m.name, "subject": m.subject, "template_id": m.template_id,
            "channel_id": m.channel_id, "group_id": m.group_id, "tag": m.tag,
            "clients_of_tag": m.source_tag, "recipients": m.recipients,
            "invalid": invalid or [], "created_at": m.created_at,
            "job": job_out(m.job) if m.job is not None else None}


@router.get("/mailings", response={200: list[MailingOut], **ERRORS},
            summary="The latest mailings (100), newest first")
def list_mailings(request: HttpRequest) -> Any:
    permissions.require(agent_of(request), "mailing.send")
    return [serialize(m) for m in Mailing.objects.select_related("job")[:100]]


@router.get("/mailings/{mailing_id}", response={200: MailingOut, **ERRORS})
def get_mailing(request: HttpRequest, mailing_id: Id) -> Any:
    permissions.require(agent_of(request), "mailing.send")
    return serialize(get_object_or_404(Mailing.objects.select_related("job"), pk=mailing_id))


@router.post("/mailings", response={201: MailingOut, **ERRORS},
             summary="Send a template to addresses or to the clients of a tag's tickets")
def create_mailing(request: HttpRequest, payload: MailingIn) -> Any:
    agent = agent_of(request)
    permissions.require(agent, "mailing.send")
    if (payload.addresses is None) == (payload.clients_of_tag is None):
        raise ValidationError(_("Send either addresses or clients_of_tag."),
                              code="invalid_recipients")
    if payload.addresses is not None:
        found = mailings.parse_addresses("\n".join(payload.addresses))
        addresses, invalid = found.addresses, found.invalid
    else:
        addresses, invalid = mailings.clients_of_tag(payload.clients_of_tag or ""), []
    template = ReplyTemplate.objects.filter(pk=payload.template_id, is_active=True).first()
    channel = Channel.objects.filter(pk=payload.channel_id).first()
    group = Group.objects.filter(pk=payload.group_id).first() if payload.group_id else None
    if template is None:
        raise ValidationError(_("No active reply template %(id)s.") % {"id": payload.template_id},
                              code="invalid_template")
    if channel is None:
        raise ValidationError(_("No such channel."), code="invalid_channel")
    if payload.group_id and group is None:
        raise ValidationError(_("No such group."), code="invalid_group")
    mailing = mailings.start_mailing(
        agent=agent, name=payload.name, template=template, channel=channel,
        subject=payload.subject, addresses=addresses, group=group, tag=payload.tag,
        source_tag=payload.clients_of_tag or "")
    return Status(201, serialize(mailing, invalid))
