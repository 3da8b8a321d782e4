"""The built-in queues of the sidebar and their live counts.

A queue is a name plus a ``TicketFilter``; its count is a sum over the incremental counter
cells the viewer may see (tickets.counters), never a COUNT(*) over tickets."""

from __future__ import annotations

from dataclasses import dataclass, replace

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from helpwire.accounts import permissions
from helpwire.accounts.models import Agent
from helpwire.tickets import counters
from helpwire.tickets.access import visible_counter_cells
from helpwire.tickets.filters import UNASSIGNED, TicketFilter
from helpwire.tickets.models import ARCHIVED, IN_WORK, Status
from helpwire.tickets.selectors import ticket_queryset

ACTIVE: list[str] = [Status.NEW, Status.OPEN]
COUNT_CAP = 10_000
WORKING: list[str] = list(IN_WORK)


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
        Queue("overdue", _("Overdue"), TicketFilter(status=WORKING,
                                                    extra={"sla_state": "breached"})),
        Queue("pending", _("Pending"), TicketFilter(status=[str(Status.PENDING)])),
        Queue("on_hold", _("On hold"), TicketFilter(status=[str(Status.ON_HOLD)])),
        Queue("solved", _("Solved"), TicketFilter(status=[str(Status.SOLVED), str(Status.CLOSED)],
                                                  archived=False)),
        Queue("archive", _("Archive"), TicketFilter(status=[str(Status.CLOSED)], archived=True)),
        Queue("spam", _("Spam"), TicketFilter(status=[str(Status.SPAM)])),
    ]
    if not permissions.can(viewer, "queue.team"):  # contractors: their own tickets only
        return [q for q in queues if q.slug in ("mine", "pending", "solved")]
    return queues


def find(viewer: Agent, slug: str) -> Queue | None:
    return next((q for q in builtin(viewer) if q.slug == slug), None)


def with_channel(queue: Queue, channel_id: int | None) -> Queue:
    if channel_id is None:
        return queue
    return replace(queue, filters=replace(queue.filters, channel=channel_id))


def counts(viewer: Agent) -> dict[str, int]:
    """Counts for every built-in queue from one read of the counter cells the viewer may
    see (a few hundred small rows at most, whatever the number of tickets)."""
    visible = counters.cells(visible_counter_cells(viewer))
    cells = [(status, group, who, n) for (status, group, who, _ch), n in visible.items()]
    out: dict[str, int] = {}
    for queue in builtin(viewer):
        f = queue.filters
        if f.extra:  # not in the counter cells (Overdue): counted, over a partial index
            out[queue.slug] = ticket_queryset(viewer=viewer, filters=f).order_by()[
                :COUNT_CAP].count()
            continue
        statuses = set(f.status)
        if f.archived:
            statuses = {ARCHIVED}
        groups = set(f.groups)
        assignee = 0 if f.assignee == UNASSIGNED else (int(f.assignee) if f.assignee else None)
        out[queue.slug] = sum(
            n for status, group, who, n in cells
            if status in statuses and (assignee is None or who == assignee)
            and (not groups or group in groups))
    return out
