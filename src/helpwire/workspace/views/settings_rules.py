"""Settings screens for rules [AU1]: the list in run order (on/off, move up or down), the
editor (rows of plain words, "try on ticket", the latest firings) and deletion. Writes go
through ``automation.actions``; "try" goes through ``automation.engine.try_rule`` and writes
nothing."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.db.models import Count, Max
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from helpwire.automation import actions, engine
from helpwire.automation.conditions import FIELD_LABELS
from helpwire.automation.models import Rule, RuleMode
from helpwire.tickets.access import visible_tickets
from helpwire.workspace.rule_forms import (
    ACTION_LABELS,
    EVENT_LABELS,
    OP_LABELS,
    RuleForm,
    TryForm,
    action_row,
    condition_text,
)
from helpwire.workspace.views.common import agent_view, viewer
from helpwire.workspace.views.settings_catalog import MANAGE, invalid, screen

FIRINGS_SHOWN = 20


class MoveForm(forms.Form):
    to = forms.IntegerField(min_value=0)


def _summary(rule: Rule) -> dict[str, Any]:
    """The rule in words for the list: when, if, then."""
    conditions = [f"{FIELD_LABELS.get(c['field'], c['field'])} {OP_LABELS.get(c['op'], '')} "
                  f"{condition_text(c['field'], c['op'], c.get('value'))}".strip()
                  for group in ("all", "any") for c in (rule.conditions or {}).get(group, [])]
    done = []
    for a in rule.actions:
        kind, value = action_row(a)
        done.append(f"{ACTION_LABELS.get(kind, kind)} {value}".strip())
    when = ([EVENT_LABELS.get(e, e) for e in rule.events] if rule.mode == RuleMode.EVENT
            else [rule.get_mode_display()])
    return {"rule": rule, "events": when, "conditions": conditions, "actions": done}


@agent_view(MANAGE)
def rules(request: HttpRequest) -> HttpResponse:
    rows = [_summary(r) for r in Rule.objects.annotate(n=Count("firings")).order_by(
        "position", "pk")]
    return screen(request, "rules.html", "rules", {"rows": rows})


def _try(request: HttpRequest, rule: Rule) -> dict[str, Any] | None:
    form = TryForm(request.GET)
    if not (form.is_valid() and form.cleaned_data["number"]):
        return {"form": form}
    ticket = visible_tickets(viewer(request)).filter(number=form.cleaned_data["number"]).first()
    if ticket is None:
        return {"form": form, "missing": True}
    result = engine.try_rule(rule=rule, ticket=ticket)
    result["actions"] = [" ".join(filter(None, (str(ACTION_LABELS.get(k, k)), v)))
                         for k, v in (action_row(a) for a in result["actions"])]
    return {"form": form, "ticket": ticket, "result": result}


@agent_view(MANAGE)
def rule_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    rule = get_object_or_404(Rule, pk=pk) if pk is not None else None
    form = RuleForm(request.POST or None, rule=rule)
    context = {"rule": rule, "form": form,
               "tried": _try(request, rule) if rule else None,
               "firings": rule.firings.select_related("ticket").order_by("-at", "-pk")[
                   :FIRINGS_SHOWN] if rule else [],
               "requests": rule.requests.order_by("-created_at", "-pk")[:FIRINGS_SHOWN]
               if rule else []}
    if request.method == "POST":
        if form.is_valid():
            saved = (actions.update_rule(rule=rule, values=form.values) if rule
                     else actions.create_rule(values=form.values))
            messages.success(request, _("Rule “%(name)s” saved.") % {"name": saved.name})
            return redirect("workspace:settings_rule_edit", saved.pk)
        return invalid(request, "rule_edit.html", "rules", context)
    return screen(request, "rule_edit.html", "rules", context)


@require_POST
@agent_view(MANAGE)
def rule_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    rule = get_object_or_404(Rule, pk=pk)
    actions.update_rule(rule=rule, values={"enabled": not rule.enabled})
    text = (_("Rule “%(name)s” turned on.") if rule.enabled
            else _("Rule “%(name)s” turned off."))
    messages.success(request, text % {"name": rule.name})
    return redirect("workspace:settings_rules")


@require_POST
@agent_view(MANAGE)
def rule_move(request: HttpRequest, pk: int) -> HttpResponse:
    rule = get_object_or_404(Rule, pk=pk)
    form = MoveForm(request.POST)
    if form.is_valid():
        last = Rule.objects.aggregate(m=Max("position"))["m"] or 0
        actions.move_rule(rule=rule, position=min(form.cleaned_data["to"], last))
    return redirect("workspace:settings_rules")


@require_POST
@agent_view(MANAGE)
def rule_delete(request: HttpRequest, pk: int) -> HttpResponse:
    rule = get_object_or_404(Rule, pk=pk)
    actions.delete_rule(rule=rule)
    messages.success(request, _("Rule “%(name)s” deleted; its firings stay in the log.")
                     % {"name": rule.name})
    return redirect("workspace:settings_rules")


urlpatterns: list[URLPattern] = [
    path("settings/rules/", rules, name="settings_rules"),
    path("settings/rules/new/", rule_edit, name="settings_rule_new"),
    path("settings/rules/<int:pk>/", rule_edit, name="settings_rule_edit"),
    path("settings/rules/<int:pk>/toggle/", rule_toggle, name="settings_rule_toggle"),
    path("settings/rules/<int:pk>/move/", rule_move, name="settings_rule_move"),
    path("settings/rules/<int:pk>/delete/", rule_delete, name="settings_rule_delete"),
]
