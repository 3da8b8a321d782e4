"""SLA outcomes for the demo's history [SL2, RP2]: the demo writes tickets directly, so no
clock ran on them; each answered or solved ticket gets the record its clocks would have
left (first response and resolution against its group's policy, in the policy's hours),
so the SLA report has eight weeks to show."""

from __future__ import annotations

from datetime import datetime

from helpwire.calendars import schedule
from helpwire.sla.models import GroupPolicy, Outcome, SlaPolicy, SlaRecord
from helpwire.sla.tracking import spec_of
from helpwire.tickets.models import Status, Ticket


def add_sla_records(*, after: int) -> int:
    """Records for the tickets above id ``after``; returns how many were written."""
    default = SlaPolicy.objects.filter(is_default=True).first()
    by_group: dict[int | None, SlaPolicy | None] = {
        g.group_id: g.policy for g in GroupPolicy.objects.select_related("policy")}
    specs: dict[int, schedule.Spec] = {}
    made: list[SlaRecord] = []
    for t in (Ticket.objects.filter(pk__gt=after).exclude(status__in=[
            Status.SPAM, Status.MERGED, Status.MAILING, Status.NEW])
            .only("id", "group_id", "priority", "created_at", "first_response_at",
                  "solved_at", "status").iterator(chunk_size=5000)):
        policy = by_group.get(t.group_id, default)
        targets = (policy.targets or {}).get(t.priority, {}) if policy else {}
        if policy is None or not targets:
            continue
        spec = specs.setdefault(policy.pk, spec_of(policy))
        done = t.solved_at if t.status in (Status.SOLVED, Status.CLOSED) else None
        for metric, met_at in (("first_response", t.first_response_at), ("resolution", done)):
            if metric in targets and met_at is not None:
                due = schedule.add_working(spec, t.created_at, targets[metric])
                made.append(_record(t, metric, policy, met_at, due))
    SlaRecord.objects.bulk_create(made, batch_size=5000, ignore_conflicts=True)
    return len(made)


def _record(t: Ticket, metric: str, policy: SlaPolicy, met_at: datetime,
            due: datetime) -> SlaRecord:
    late = met_at > due
    return SlaRecord(ticket_id=t.pk, metric=metric, policy=policy, started_at=t.created_at,
                     outcome=Outcome.BREACHED if late else Outcome.MET,
                     at=due if late else met_at)
