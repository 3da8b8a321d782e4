"""The bulk bar [TK9]: what it offers (pickers in the agent's language, never ids), what
it selected (the ticked rows, or every ticket the list's filter matches), and handing the
action to ``tickets.bulk`` (a resumable job) or, for merge, to the merge service."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from helpwire.accounts.models import Agent, Group
from helpwire.automation import manual
from helpwire.automation.models import Rule, RuleMode
from helpwire.core.actors import Actor
from helpwire.core.forms import IdListField
from helpwire.tickets import bulk as jobs
from helpwire.tickets.actions import SETTABLE_STATUSES
from helpwire.tickets.merge import merge_tickets
from helpwire.tickets.models import BulkJob, Priority, Status, Tag, Ticket
from helpwire.tickets.selectors import ticket_queryset
from helpwire.workspace import lists

MAX_MERGE = 50
ACTIONS = [
    ("assign", gettext_lazy("Assign to…")),
    ("group", gettext_lazy("Move to group…")),
    ("status", gettext_lazy("Set status…")),
    ("priority", gettext_lazy("Set priority…")),
    ("tag", gettext_lazy("Add tag…")),
    ("untag", gettext_lazy("Remove tag…")),
    ("merge", gettext_lazy("Merge into the oldest")),
    ("spam", gettext_lazy("Mark as spam")),
    ("close", gettext_lazy("Close")),
    ("rule", gettext_lazy("Run a rule…")),
]


class BulkForm(forms.Form):
    action = forms.ChoiceField(choices=ACTIONS)
    ids = IdListField(required=False)
    all_matching = forms.BooleanField(required=False)
    list_path = forms.CharField(required=False, max_length=500)
    list_query = forms.CharField(required=False, max_length=4000)
    value_assign = forms.CharField(required=False)
    value_group = forms.CharField(required=False)
    value_status = forms.CharField(required=False)
    value_priority = forms.CharField(required=False)
    value_tag = forms.CharField(required=False, max_length=500)
    value_untag = forms.CharField(required=False, max_length=500)
    value_rule = forms.IntegerField(required=False, min_value=1)

    def value(self) -> str:
        if self.cleaned_data["action"] == "rule":
            return str(self.cleaned_data.get("value_rule") or "")
        return (self.cleaned_data.get(f"value_{self.cleaned_data['action']}") or "").strip()


def bar_context(agent: Agent) -> dict[str, Any]:
    """What the bulk bar's pickers offer."""
    return {
        "bulk_actions": ACTIONS,
        "bulk_agents": Agent.objects.filter(is_active=True).order_by("name"),
        "bulk_groups": Group.objects.order_by("name"),
        "bulk_statuses": [(s, label) for s, label in Status.choices
                          if s in SETTABLE_STATUSES],
        "bulk_priorities": Priority.choices,
        "bulk_tags": Tag.objects.order_by("path").values_list("path", flat=True),
        "bulk_rules": Rule.objects.filter(mode=RuleMode.MANUAL, enabled=True)
        .order_by("position", "pk"),
    }


@dataclass
class Outcome:
    job: BulkJob | None = None
    merged: int = 0
    error: str = ""


def selection(agent: Agent, form: BulkForm) -> list[int]:
    data = form.cleaned_data
    if data["all_matching"]:
        listing = lists.from_url(agent, data["list_path"], data["list_query"])
        qs = listing.queryset(agent)
        return list(qs.order_by("-updated_at", "-pk").values_list("pk", flat=True)
                    [:jobs.MAX_TICKETS])
    ids = data["ids"][:jobs.MAX_TICKETS]
    return list(ticket_queryset(viewer=agent).filter(pk__in=ids).values_list("pk", flat=True))


def matching_count(agent: Agent, path: str, query: str, cap: int = 10_000) -> int:
    """How many tickets "all matching" would take, counted up to ``cap``."""
    qs = lists.from_url(agent, path, query).queryset(agent)
    return qs.order_by()[: cap + 1].count()


def run(*, viewer: Agent, data: QueryDict) -> Outcome:
    form = BulkForm(data)
    if not form.is_valid():
        problems = "; ".join(str(m) for errors in form.errors.values() for m in errors)
        return Outcome(error=problems or _("Choose an action and at least one ticket."))
    action = form.cleaned_data["action"]
    try:
        ids = selection(viewer, form)
        if not ids:
            return Outcome(error=_("Select at least one ticket."))
        if action == "merge":
            return _merge(viewer, ids)
        if action == "rule":
            rule = Rule.objects.filter(pk=form.cleaned_data.get("value_rule") or 0).first()
            if rule is None:
                return Outcome(error=_("Choose a rule."))
            return Outcome(job=manual.run_rule(rule=rule, agent=viewer, ticket_ids=ids))
        return Outcome(job=jobs.start(agent=viewer, action=action, value=form.value(),
                                      ticket_ids=ids))
    except (ValidationError, PermissionDenied) as exc:
        return Outcome(error="; ".join(exc.messages) if isinstance(exc, ValidationError)
                       else str(exc))


def _merge(viewer: Agent, ids: list[int]) -> Outcome:
    """Into the oldest selected ticket, all or nothing; tickets of different clients are
    refused here (only the ticket's own dialog may merge those, after naming both)."""
    if len(ids) < 2:
        return Outcome(error=_("Select at least two tickets to merge."))
    if len(ids) > MAX_MERGE:
        return Outcome(error=_("Merge at most %(n)s tickets at once.") % {"n": MAX_MERGE})
    tickets = list(Ticket.objects.filter(pk__in=ids).order_by("created_at", "pk"))
    target, *sources = tickets
    merge_tickets(target=target, sources=sources, actor=Actor.of_agent(viewer))
    return Outcome(merged=len(sources))
