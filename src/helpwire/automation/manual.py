"""Manual rules [AU6]: an agent runs a rule on chosen tickets or on a saved filter —
"everyone tagged «Авария 12.03»: send the template, then drop the tag".

The run is the workspace's resumable bulk job (``tickets.bulk``): one item per ticket,
claimed, done through the rules engine and marked in one transaction, so an interrupted run
resumes where it stopped. A ticket the same rule already did since the rule was last
changed is skipped, so running it again sends nothing twice; a ticket its conditions do
not hold on is skipped too. Each ticket is checked against the runner's permissions.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from helpwire.accounts import permissions
from helpwire.accounts.models import Agent
from helpwire.automation import engine
from helpwire.automation.models import Outcome, Rule, RuleFiring, RuleMode
from helpwire.core.actors import Actor
from helpwire.tickets import bulk
from helpwire.tickets.locks import lock_ticket
from helpwire.tickets.models import BulkJob, BulkJobItem, Ticket

RULE_JOB = "rule"
MANUAL_EVENT = "manual"


def run_rule(*, rule: Rule, agent: Agent, ticket_ids: list[int]) -> BulkJob:
    """Start (or, when the same run is still going, return) the job."""
    permissions.require(agent, "ticket.bulk")
    if rule.mode != RuleMode.MANUAL:
        raise ValidationError(_("Only rules run by hand can be run on tickets."),
                              code="not_manual")
    if not rule.enabled:
        raise ValidationError(_("This rule is turned off."), code="rule_disabled")
    if not ticket_ids:
        raise ValidationError(_("Select at least one ticket."), code="empty_selection")
    ids = sorted(set(ticket_ids))
    # A second press of "run" while the first run is still going joins it.
    for job in BulkJob.objects.filter(action=RULE_JOB, created_by=agent,
                                      state__in=(BulkJob.State.RUNNING, BulkJob.State.PAUSED),
                                      params__rule_id=rule.pk, total=len(ids)):
        if sorted(pk or 0 for pk in job.items.values_list("ticket_id", flat=True)) == ids:
            return job
    return bulk.start_job(agent=agent, action=RULE_JOB, ticket_ids=ids,
                          params={"rule_id": rule.pk, "rule_name": rule.name})


@bulk.item_handler(RULE_JOB)
def _run_on(job: BulkJob, item: BulkJobItem, actor: Actor) -> bool:
    rule = Rule.objects.filter(pk=job.params.get("rule_id"), mode=RuleMode.MANUAL).first()
    if rule is None:
        raise ValidationError(_("The rule was deleted or no longer runs by hand."))
    if not Ticket.objects.filter(pk=item.ticket_id or 0).exists():
        raise ValidationError(_("The ticket no longer exists."))
    ticket = lock_ticket(item.ticket_id or 0)
    if actor.agent is None or not permissions.can(actor.agent, "ticket.edit", ticket):
        raise PermissionDenied(_("You may not change this ticket."))
    if RuleFiring.objects.filter(rule=rule, ticket=ticket, event=MANUAL_EVENT,
                                 outcome=Outcome.DONE, at__gte=rule.updated_at).exists():
        return False  # done by an earlier run of this same rule: never twice
    fired = engine.run(event=MANUAL_EVENT, ticket_id=ticket.pk, rules=[rule])
    if not fired:
        return False  # its conditions do not hold on this ticket
    if fired[0].outcome != Outcome.DONE:
        raise ValidationError(fired[0].error or fired[0].get_outcome_display())
    return True
