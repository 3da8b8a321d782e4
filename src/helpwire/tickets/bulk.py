"""Bulk actions [TK9]: one action over a selection — a page of rows or every ticket a filter
matches — run through the same verbs as a single edit, ticket by ticket, as a resumable
``BulkJob``. Small selections are done at once in the request; large ones by the worker,
which reports progress and can be paused and resumed.

Each ticket is claimed (``SKIP LOCKED``), changed and marked done in one transaction, so an
interrupted job — a paused one, a killed worker — picks up exactly where it stopped.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from helpwire.accounts import permissions
from helpwire.accounts.models import Agent
from helpwire.core import periodic
from helpwire.core.actors import Actor
from helpwire.tickets import inputs, tags
from helpwire.tickets.actions import update_ticket
from helpwire.tickets.models import BulkJob, BulkJobItem, Status, Ticket

logger = logging.getLogger("helpwire.bulk")
INLINE_LIMIT = 20  # selections up to this size are done within the request
BATCH = 200  # tickets per worker task before it hands over to the next one
MAX_TICKETS = 100_000

# Action → how its value becomes the input layer's data. Destructive ones ask first.
ACTIONS: dict[str, Any] = {
    "assign": lambda v: {"assignee": v or "none"},
    "group": lambda v: {"group": v or "none"},
    "status": lambda v: {"status": v},
    "priority": lambda v: {"priority": v},
    "tag": lambda v: {"add_tags": [v]},
    "untag": lambda v: {"remove_tags": [v]},
    "spam": lambda v: {"status": Status.SPAM},
    "close": lambda v: {"status": Status.CLOSED},
}
DESTRUCTIVE = {"merge", "spam", "close"}


def changes_for(action: str, value: str) -> dict[str, Any]:
    """The keyword arguments of ``update_ticket`` for a bulk action, checked by the input
    layer — so a bad value is the same clear error as in the ticket panel."""
    if action not in ACTIONS:
        raise ValidationError(_("Unknown bulk action."), code="invalid_action")
    data = ACTIONS[action](value)
    add, remove = data.pop("add_tags", []), data.pop("remove_tags", [])
    if (action in ("tag", "untag") and not value) or (action in ("status", "priority")
                                                      and not value):
        raise ValidationError(_("Choose a value for this action."), code="invalid_value")
    return inputs.TicketChangeForm(data, add_tags=add, remove_tags=remove).values()


def start(*, agent: Agent, action: str, value: str, ticket_ids: Iterable[int]) -> BulkJob:
    """Create the job (after checking the value); done here when small, else queued."""
    params = {"value": value}
    changes_for(action, value)  # refuse a bad value before anything is written
    if action == "tag" and tags.find(value) is None and not permissions.can(agent, "tag.create"):
        raise ValidationError(_("There is no tag “%(path)s”; ask an administrator to add it "
                                "to the tree."), code="unknown_tag", params={"path": value})
    ids = list(dict.fromkeys(ticket_ids))[:MAX_TICKETS]
    with transaction.atomic():
        job = BulkJob.objects.create(created_by=agent, action=action, params=params,
                                     total=len(ids))
        BulkJobItem.objects.bulk_create(
            (BulkJobItem(job=job, ticket_id=pk) for pk in ids), batch_size=2000)
    if len(ids) <= INLINE_LIMIT:
        run(job.pk)
    else:
        transaction.on_commit(lambda: run_bulk_job.enqueue(job.pk))
    job.refresh_from_db()
    return job


def _one(job: BulkJob, changes: dict[str, Any], actor: Actor) -> bool:
    """Claim, change and mark one ticket; False when nothing is left to claim."""
    with transaction.atomic():
        item = (BulkJobItem.objects.select_for_update(skip_locked=True)
                .filter(job=job, state=BulkJobItem.State.PENDING).order_by("id").first())
        if item is None:
            return False
        ticket = Ticket.objects.filter(pk=item.ticket_id).first()
        try:
            if ticket is None:
                raise ValidationError(_("The ticket no longer exists."))
            with transaction.atomic():
                update_ticket(ticket=ticket, actor=actor, **changes)
        except (ValidationError, PermissionDenied) as exc:
            text = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            item.state, item.error = BulkJobItem.State.FAILED, text[:2000]
            BulkJob.objects.filter(pk=job.pk).update(failed=F("failed") + 1,
                                                     touched_at=timezone.now())
        else:
            item.state = BulkJobItem.State.DONE
            BulkJob.objects.filter(pk=job.pk).update(done=F("done") + 1,
                                                     touched_at=timezone.now())
        item.save(update_fields=["state", "error"])
    return True


def run(job_id: int, *, limit: int | None = None) -> bool:
    """Work the job until it is done, paused, or ``limit`` tickets were handled; True when
    there is more to do."""
    job = BulkJob.objects.select_related("created_by").get(pk=job_id)
    if job.state != BulkJob.State.RUNNING:
        return False
    actor = Actor.of_agent(job.created_by)
    try:
        changes = changes_for(job.action, str(job.params.get("value", "")))
    except ValidationError as exc:  # e.g. the agent or group was deleted since
        BulkJobItem.objects.filter(job=job, state=BulkJobItem.State.PENDING).update(
            state=BulkJobItem.State.FAILED, error="; ".join(exc.messages))
        _finish(job)
        return False
    handled = 0
    while limit is None or handled < limit:
        if handled and handled % 50 == 0 and BulkJob.objects.filter(
                pk=job.pk, state=BulkJob.State.PAUSED).exists():
            return False  # paused by the agent: stop between tickets
        if not _one(job, changes, actor):
            _finish(job)
            return False
        handled += 1
    return True


def _finish(job: BulkJob) -> None:
    failed = BulkJobItem.objects.filter(job=job, state=BulkJobItem.State.FAILED).count()
    done = BulkJobItem.objects.filter(job=job, state=BulkJobItem.State.DONE).count()
    BulkJob.objects.filter(pk=job.pk, state=BulkJob.State.RUNNING).exclude(
        items__state=BulkJobItem.State.PENDING).update(
        state=BulkJob.State.DONE, finished_at=timezone.now(), done=done, failed=failed)


@task()
def run_bulk_job(job_id: int) -> None:
    if run(job_id, limit=BATCH):
        run_bulk_job.enqueue(job_id)  # hand over, so other work is not kept waiting


def pause(*, job: BulkJob, agent: Agent) -> None:
    _own(job, agent)
    BulkJob.objects.filter(pk=job.pk, state=BulkJob.State.RUNNING).update(
        state=BulkJob.State.PAUSED)


def resume(*, job: BulkJob, agent: Agent) -> None:
    _own(job, agent)
    if BulkJob.objects.filter(pk=job.pk, state=BulkJob.State.PAUSED).update(
            state=BulkJob.State.RUNNING):
        transaction.on_commit(lambda: run_bulk_job.enqueue(job.pk))


def _own(job: BulkJob, agent: Agent) -> None:
    if job.created_by_id != agent.pk:
        raise PermissionDenied(_("This is another agent's bulk action."))


@periodic.every(60, name="tickets.bulk.resume_stalled")
def resume_stalled(*, now: datetime | None = None) -> int:
    """A running job that has not moved for two minutes lost its worker (or its task): it is
    handed out again. Item claims make a second runner harmless anyway."""
    cutoff = (now or timezone.now()) - timedelta(minutes=2)
    ids = list(BulkJob.objects.filter(state=BulkJob.State.RUNNING, touched_at__lt=cutoff)
               .values_list("pk", flat=True))
    BulkJob.objects.filter(pk__in=ids).update(touched_at=now or timezone.now())
    for pk in ids:
        run_bulk_job.enqueue(pk)
    return len(ids)
