"""Writes on SLA policies [SL1 SL2]: save, delete (refused while a group uses it), the
default, and a group's own policy."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from helpwire.accounts import permissions
from helpwire.accounts.models import Group
from helpwire.core.actors import Actor
from helpwire.sla import tracking
from helpwire.sla.models import METRICS, GroupPolicy, SlaPolicy, Source, TicketSla
from helpwire.tickets.locks import lock_ticket
from helpwire.tickets.models import Ticket


class PolicyInUse(Exception):
    def __init__(self, groups: list[str]) -> None:
        super().__init__(", ".join(groups))
        self.groups = groups


@transaction.atomic
def save_policy(*, policy: SlaPolicy | None, values: dict[str, Any],
                is_default: bool | None = None) -> SlaPolicy:
    policy = policy or SlaPolicy()
    for name, value in values.items():
        setattr(policy, name, value)
    policy.updated_at = timezone.now()
    if is_default or (policy.pk is None and not SlaPolicy.objects.filter(
            is_default=True).exists()):
        # The first policy made is the default until another is chosen.
        SlaPolicy.objects.filter(is_default=True).exclude(pk=policy.pk).update(is_default=False)
        policy.is_default = True
    policy.save()
    return policy


@transaction.atomic
def delete_policy(*, policy: SlaPolicy) -> None:
    users = sorted(GroupPolicy.objects.filter(policy=policy).values_list("group__name",
                                                                         flat=True))
    if users:
        raise PolicyInUse(users)
    policy.delete()


@transaction.atomic
def set_group_policy(*, group: Group, policy: SlaPolicy | None) -> None:
    if policy is None:
        GroupPolicy.objects.filter(group=group).delete()
    else:
        GroupPolicy.objects.update_or_create(group=group, defaults={"policy": policy})


def group_policy_ids(group_ids: list[int]) -> dict[int, int]:
    return dict(GroupPolicy.objects.filter(group_id__in=group_ids)
                .values_list("group_id", "policy_id"))


@transaction.atomic
def set_ticket_policy(*, ticket: Ticket, actor: Actor, policy: SlaPolicy | None,
                      source: str = Source.MANUAL) -> TicketSla:
    """Put the ticket under ``policy`` (measured from the original start), or with
    ``source=group`` back under its group's policy. By hand it needs the role's
    ``sla.change`` — a plain agent buying himself time is exactly what it prevents [SL3];
    rules pass. The policy then stays until a rule or a person changes it."""
    ticket = lock_ticket(ticket.pk)
    permissions.require(actor, "sla.change", ticket)
    now = timezone.now()
    row = tracking.row_of(ticket, start=now)
    if source in (Source.GROUP, Source.DEFAULT):
        policy, source = tracking.policy_for(ticket)
    old = row.policy
    if old != policy or row.source != source:
        row.policy, row.source = policy, source
        tracking.record(ticket, actor, old, policy, source=source, at=now)
        tracking.refresh(row, ticket, now=now)
    return row


@transaction.atomic
def set_ticket_due(*, ticket: Ticket, actor: Actor, metric: str, due_at: datetime) -> TicketSla:
    """Move one clock's deadline by hand (the role's ``sla.change``) [SL3]: a history line
    and an ``sla.changed`` event like a policy change. The deadline holds for the clock's
    current cycle; a pause still moves it on."""
    ticket = lock_ticket(ticket.pk)
    permissions.require(actor, "sla.change", ticket)
    if metric not in METRICS:
        raise ValidationError(_("“%(metric)s” is not a metric (%(known)s).")
                              % {"metric": metric, "known": ", ".join(METRICS)},
                              code="invalid_metric")
    now = timezone.now()
    row = tracking.row_of(ticket, start=now)
    if row.policy is None or getattr(row, f"{metric}_start") is None:
        raise ValidationError(_("This ticket has no running %(metric)s clock.")
                              % {"metric": metric}, code="no_clock")
    if due_at <= getattr(row, f"{metric}_start"):
        raise ValidationError(_("A deadline comes after the clock started."),
                              code="invalid_due")
    old = (row.due_overrides or {}).get(metric)
    row.due_overrides = {**(row.due_overrides or {}), metric: due_at.isoformat()}
    tracking.record_due(ticket, actor, metric, old, due_at, at=now)
    tracking.refresh(row, ticket, now=now)
    return row


def start_existing(*, batch: int = 500) -> int:
    """Clocks for tickets in work that have none — loaded in bulk (the demo) or there
    before the first policy: from their own columns (created, first response, solved, the
    client's unanswered message). Pauses before now are not known and not counted."""
    made = 0
    after = 0
    while True:
        tickets = list(Ticket.objects.exclude(status__in=tracking.UNTRACKED)
                       .filter(pk__gt=after, sla__isnull=True).select_related("group")
                       .order_by("pk")[:batch])
        if not tickets:
            return made
        after = tickets[-1].pk
        for ticket in tickets:
            with transaction.atomic():
                policy, source = tracking.policy_for(ticket)
                if policy is None:
                    continue
                answered = ticket.first_response_at
                waiting = ticket.waiting_since
                row = TicketSla(
                    ticket=ticket, policy=policy, source=source,
                    first_response_start=ticket.created_at, first_response_met_at=answered,
                    resolution_start=ticket.created_at, resolution_met_at=ticket.solved_at,
                    next_response_start=waiting if answered and waiting and waiting > answered
                    else None)
                if ticket.status in policy.pause_on:
                    tracking.store_pauses(row, ((ticket.status_changed_at, None),))
                tracking.refresh(row, ticket)
                made += 1
