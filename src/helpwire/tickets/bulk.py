"""Bulk actions [TK9]: one action over a selection — a page of rows or every ticket a filter
matches — run through the same verbs as a single edit, ticket by ticket, as a resumable
``BulkJob``. Small selections are done at once in the request; large ones by the worker,
which reports progress and can be paused and resumed.

Each ticket is claimed (``SKIP LOCKED``), changed and marked done in one transaction, so an
interrupted job — a paused one, a killed worker — picks up exactly where it stopped.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
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

# Jobs of higher apps (a manual rule, a mailing) register how one item is done. The handler
# runs inside the item's transaction and returns True when it did the item, False when it
# left it alone on purpose (skipped); a ValidationError or PermissionDenied fails the item.
ItemHandler = Callable[[BulkJob, BulkJobItem, Actor], bool]
_item_handlers: dict[str, ItemHandler] = {}


def item_handler(action: str) -> Callable[[ItemHandler], ItemHandler]:
    def register(func: ItemHandler) -> ItemHandler:
        _item_handlers[action] = func
        return func

    return register


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
    return start_job(agent=agent, action=action, params=params, ticket_ids=ticket_ids)


def start_job(*, agent: Agent, action: str, params: dict[str, Any],
              ticket_ids: Iterable[int] = (), targets: Iterable[str] = (),
              inline: bool = True) -> BulkJob:
    """A job over tickets (or, for a mailing, over addresses): done here when small and
    ``inline``, else queued for the worker."""
    ids = list(dict.fromkeys(ticket_ids))[:MAX_TICKETS]
    addresses = list(dict.fromkeys(targets))[:MAX_TICKETS]
    items = ([BulkJobItem(ticket_id=pk) for pk in ids]
             + [BulkJobItem(target=address) for address in addresses])
    with transaction.atomic():
        job = BulkJob.objects.create(created_by=agent, action=action, params=params,
                                     total=len(items))
        for item in items:
            item.job = job
        BulkJobItem.objects.bulk_create(items, batch_size=2000)
    if inline and len(items) <= INLINE_LIMIT:
        run(job.pk)
    else:
        transaction.on_commit(lambda: run_bulk_job.enqueue(job.pk))
    job.refresh_from_db()
    return job


def _edit(changes: dict[str, Any]) -> ItemHandler:
    def edit(job: BulkJob, item: BulkJobItem, actor: Actor) -> bool:
        ticket = Ticket.objects.filter(pk=item.ticket_id or 0).first()
        if ticket is None:
            raise ValidationError(_("The ticket no longer exists."))
        update_ticket(ticket=ticket, actor=actor, **changes)
        return True

    return edit


def _one(job: BulkJob, handle: ItemHandler, actor: Actor) -> bool:
    """Claim, do and mark one item; False when nothing is left to claim."""
    with transaction.atomic():
        item = (BulkJobItem.objects.select_for_update(skip_locked=True)
                .filter(job=job, state=BulkJobItem.State.PENDING).order_by("id").first())
        if item is None:
            return False
        try:
            with transaction.atomic():
                did = handle(job, item, actor)
        except (ValidationError, PermissionDenied) as exc:
            text = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            item.state, item.error = BulkJobItem.State.FAILED, text[:2000]
            counter = "failed"
        else:
            item.state = BulkJobItem.State.DONE if did else BulkJobItem.State.SKIPPED
            counter = "done" if did else "skipped"
        BulkJob.objects.filter(pk=job.pk).update(**{counter: F(counter) + 1},
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
    handle = _item_handlers.get(job.action)
    if handle is None:
        try:
            handle = _edit(changes_for(job.action, str(job.params.get("value", ""))))
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
        if not _one(job, handle, actor):
            # Nothing left to claim; an item another worker holds is still pending until
            # its commit, and that worker finishes the job: counting now would miss it.
            if not BulkJobItem.objects.filter(job=job,
                                              state=BulkJobItem.State.PENDING).exists():
                _finish(job)
            return False
        handled += 1
    return True


def _finish(job: BulkJob) -> None:
    counts = {state: BulkJobItem.objects.filter(job=job, state=state).count()
              for state in (BulkJobItem.State.FAILED, BulkJobItem.State.DONE,
                            BulkJobItem.State.SKIPPED)}
    BulkJob.objects.filter(pk=job.pk, state=BulkJob.State.RUNNING).exclude(
        items__state=BulkJobItem.State.PENDING).update(
        state=BulkJob.State.DONE, finished_at=timezone.now(),
        done=counts[BulkJobItem.State.DONE], failed=counts[BulkJobItem.State.FAILED],
        skipped=counts[BulkJobItem.State.SKIPPED])


@task()
def run_bulk_job(job_id: int) -> None:
    # A job may be throttled (a mailing: so many messages a minute); then it does one
    # minute's share and hands over to a task that runs a minute later.
    per_minute = BulkJob.objects.filter(pk=job_id).values_list(
        "params__per_minute", flat=True).first()
    if per_minute:
        if run(job_id, limit=int(per_minute)):
            run_bulk_job.using(run_after=timezone.now() + timedelta(minutes=1)).enqueue(job_id)
    elif run(job_id, limit=BATCH):
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
