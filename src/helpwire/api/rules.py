"""Rules [AU1]: ``/api/v1/rules`` — the same validation as the rule editor
(``automation.rule_inputs``), "try on ticket" that writes nothing, and the firing log."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Router, Status

from helpwire.accounts import permissions
from helpwire.accounts.models import Agent
from helpwire.api.auth import agent_of
from helpwire.api.jobs import job_out
from helpwire.api.schemas import (
    ERRORS,
    FiringOut,
    Id,
    JobOut,
    RequestOut,
    RuleIn,
    RuleOut,
    RulePatch,
    RuleRunIn,
    RuleTryIn,
    RuleTryOut,
)
from helpwire.automation import actions, engine, manual, rule_inputs
from helpwire.automation.models import OutboundRequest, Rule, RuleFiring, RuleMode
from helpwire.tickets import selectors
from helpwire.tickets.access import visible_tickets
from helpwire.tickets.bulk import MAX_TICKETS

router = Router(tags=["rules"])
FIELDS = ("name", "enabled", "mode", "events", "conditions", "actions", "stop", "daily_cap")


def _admin(request: HttpRequest) -> Agent:
    agent = agent_of(request)
    permissions.require(agent, "settings.manage")
    return agent


def serialize(rule: Rule) -> dict[str, Any]:
    return {"id": rule.pk, "position": rule.position, "created_at": rule.created_at,
            "updated_at": rule.updated_at, **{k: getattr(rule, k) for k in FIELDS}}


@router.get("/rules", response={200: list[RuleOut], **ERRORS}, summary="Rules, in run order")
def list_rules(request: HttpRequest) -> Any:
    _admin(request)
    return [serialize(r) for r in Rule.objects.order_by("position", "pk")]


@router.post("/rules", response={201: RuleOut, **ERRORS},
             summary="Create a rule (it runs after the existing ones)")
def create_rule(request: HttpRequest, payload: RuleIn) -> Any:
    _admin(request)
    values = rule_inputs.clean(**payload.dict())
    return Status(201, serialize(actions.create_rule(values=values)))


@router.get("/rules/{rule_id}", response={200: RuleOut, **ERRORS})
def get_rule(request: HttpRequest, rule_id: Id) -> Any:
    _admin(request)
    return serialize(get_object_or_404(Rule, pk=rule_id))


@router.patch("/rules/{rule_id}", response={200: RuleOut, **ERRORS},
              summary="Change a rule: only the fields sent change; position moves it")
def patch_rule(request: HttpRequest, rule_id: Id, payload: RulePatch) -> Any:
    _admin(request)
    sent = payload.dict(exclude_unset=True)
    with transaction.atomic():
        rule = get_object_or_404(Rule.objects.select_for_update(), pk=rule_id)
        changed = {k: v for k, v in sent.items() if k in FIELDS}
        if changed:
            merged = {k: getattr(rule, k) for k in FIELDS} | changed
            rule = actions.update_rule(rule=rule, values=rule_inputs.clean(**merged))
        if sent.get("position") is not None:
            rule = actions.move_rule(rule=rule, position=sent["position"])
    return serialize(rule)


@router.delete("/rules/{rule_id}", response={204: None, **ERRORS})
def delete_rule(request: HttpRequest, rule_id: Id) -> Any:
    _admin(request)
    actions.delete_rule(rule=get_object_or_404(Rule, pk=rule_id))
    return Status(204, None)


@router.post("/rules/{rule_id}/try", response={200: RuleTryOut, **ERRORS},
             summary="What the rule would do on a ticket now; writes nothing")
def try_rule(request: HttpRequest, rule_id: Id, payload: RuleTryIn) -> Any:
    agent = _admin(request)
    rule = get_object_or_404(Rule, pk=rule_id)
    ticket = get_object_or_404(visible_tickets(agent), pk=payload.ticket_id)
    return engine.try_rule(rule=rule, ticket=ticket, event=payload.event)


@router.get("/rules/{rule_id}/firings", response={200: list[FiringOut], **ERRORS},
            summary="The rule's latest firings (100), newest first")
def rule_firings(request: HttpRequest, rule_id: Id) -> Any:
    _admin(request)
    rows = RuleFiring.objects.filter(rule_id=rule_id).order_by("-at", "-pk")[:100]
    return [{"id": f.pk, "rule_id": f.rule_id, "rule_name": f.rule_name,
             "ticket_id": f.ticket_id, "event": f.event, "matched": f.matched, "done": f.done,
             "outcome": f.outcome, "error": f.error, "at": f.at} for f in rows]


@router.get("/rules/{rule_id}/requests", response={200: list[RequestOut], **ERRORS},
            summary="The rule's latest HTTP requests (100), newest first: the delivery log")
def rule_requests(request: HttpRequest, rule_id: Id) -> Any:
    _admin(request)
    rows = OutboundRequest.objects.filter(rule_id=rule_id).order_by("-created_at", "-pk")[:100]
    return [{"id": r.pk, "event_id": str(r.event_id), "ticket_id": r.ticket_id,
             "method": r.method, "url": r.url, "state": r.state, "attempts": r.attempts,
             "last_status": r.last_status, "last_error": r.last_error,
             "response": r.response, "created_at": r.created_at, "sent_at": r.sent_at,
             "next_attempt_at": r.next_attempt_at} for r in rows]


@router.post("/rules/{rule_id}/run", response={202: JobOut, **ERRORS},
             summary="Run a manual rule on tickets or a saved filter: a job to follow")
def run_rule(request: HttpRequest, rule_id: Id, payload: RuleRunIn) -> Any:
    """Tickets the caller cannot see are left out. A ticket the rule already did since it
    was last changed is skipped, so a second run sends nothing twice [AU6]."""
    agent = agent_of(request)
    rule = get_object_or_404(Rule, pk=rule_id, mode=RuleMode.MANUAL)  # others are not run
    if (payload.ticket_ids is None) == (payload.saved_filter_id is None):
        raise ValidationError(_("Send either ticket_ids or saved_filter_id."),
                              code="invalid_selection")
    if payload.saved_filter_id is not None:
        tickets = selectors.saved_filter_tickets(agent=agent,
                                                 saved_filter_id=payload.saved_filter_id)
        if tickets is None:
            raise Http404(_("No such saved filter."))
    else:
        tickets = visible_tickets(agent).filter(pk__in=payload.ticket_ids or [])
    ids = list(tickets.order_by("pk").values_list("pk", flat=True)[:MAX_TICKETS])
    job = manual.run_rule(rule=rule, agent=agent, ticket_ids=ids)
    return Status(202, job_out(job))
