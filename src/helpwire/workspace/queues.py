"""The built-in queues of the sidebar and their live counts.

A queue is a name plus a ``TicketFilter``; its count is a sum over the incremental counter
cells the viewer may see (tickets.counters), never a COUNT(*) over tickets."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from django.db.models import Q
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from helpwire.accounts.models import Agent, Role
from helpwire.connectors.models import Channel
from helpwire.tickets import counters
from helpwire.tickets.filters import UNASSIGNED, TicketFilter
from helpwire.tickets.models import Status

ACTIVE: list[str] = [Status.NEW, Status.OPEN]
WORKING: list[str] = [Status.NEW, Status.OPEN, Status.ON_HOLD, Status.PENDING]


@dataclass(frozen=True)
class Queue:
    slug: str
    title: str | Promise
    filters: TicketFilter


def builtin(viewer: Agent) -> list[Queue]:
    me = str(viewer.pk)
    # -1 matches nothing: an agent without groups has an empty "My groups".
    my_groups = list(viewer.groups.values_list("pk", flat=True)) or [-1]
    queues = [
        Queue("mine", _("My open"), TicketFilter(status=ACTIVE, assignee=me)),
        Queue("unassigned", _("Unassigned"), TicketFilter(status=ACTIVE, assignee=UNASSIGNED)),
        Queue("groups", _("My groups"), TicketFilter(status=ACTIVE, groups=my_groups)),
        Queue("all", _("All active"), TicketFilter(status=WORKING)),
        Queue("pending", _("Pending"), TicketFilter(status=[str(Status.PENDING)])),
        Queue("on_hold", _("On hold"), TicketFilter(status=[str(Status.ON_HOLD)])),
        Queue("solved", _("Solved"), TicketFilter(status=[str(Status.SOLVED), str(Status.CLOSED)])),
        Queue("spam", _("Spam"), TicketFilter(status=[str(Status.SPAM)])),
    ]
    if viewer.role == Role.CONTRACTOR:
        return [q for q in queues if q.slug in ("mine", "pending", "solved")]
    return queues


def find(viewer: Agent, slug: str) -> Queue | None:
    return next((q for q in builtin(viewer) if q.slug == slug), None)


def with_channel(queue: Queue, channel_id: int | None) -> Queue:
    if channel_id is None:
        return queue
    return replace(queue, filters=replace(queue.filters, channel=channel_id))


def _visible_cells(viewer: Agent) -> Q:
    if viewer.role in (Role.ADMIN, Role.SUPERVISOR):
        return Q()
    if viewer.role == Role.CONTRACTOR:
        return Q(assignee_key=viewer.pk)
    group_ids = list(viewer.groups.values_list("pk", flat=True))
    closed_channels = list(
        Channel.objects.filter(groups__isnull=False).exclude(groups__in=group_ids)
        .values_list("pk", flat=True).distinct())
    return (Q(group_key__in=[0, *group_ids]) & ~Q(channel_id__in=closed_channels)) | Q(
        assignee_key=viewer.pk)


def counts(viewer: Agent) -> dict[str, int]:
    """Counts for every built-in queue, from the counter cells (a handful of small
    aggregate queries, whatever the number of tickets)."""
    base = _visible_cells(viewer)
    out: dict[str, Any] = {}
    for queue in builtin(viewer):
        f = queue.filters
        q = base & Q(status__in=f.status)
        if f.assignee == UNASSIGNED:
            q &= Q(assignee_key=0)
        elif f.assignee:
            q &= Q(assignee_key=int(f.assignee))
        if f.groups:
            q &= Q(group_key__in=f.groups)
        out[queue.slug] = counters.total(q)
    return out
