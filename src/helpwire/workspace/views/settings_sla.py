"""Settings → SLA policies [SL1 SL5]: the list (targets in words, the groups using each)
and the editor (a grid of targets in minutes). Writes go through ``sla.actions``."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from helpwire.sla import actions
from helpwire.sla.models import METRICS, SlaPolicy
from helpwire.tickets.models import Priority
from helpwire.workspace.sla_forms import METRIC_LABELS, SlaPolicyForm
from helpwire.workspace.views.common import agent_view
from helpwire.workspace.views.settings_catalog import MANAGE, invalid, screen


def _minutes(seconds: int) -> str:
    hours, minutes = divmod(seconds // 60, 60)
    if hours and minutes:
        return _("%(h)s h %(m)s min") % {"h": hours, "m": minutes}
    return _("%(h)s h") % {"h": hours} if hours else _("%(m)s min") % {"m": minutes}


def _summary(policy: SlaPolicy) -> list[str]:
    lines = []
    for priority, label in Priority.choices:
        row = (policy.targets or {}).get(priority)
        if row:
            lines.append(f"{label}: " + ", ".join(
                f"{METRIC_LABELS[m]} {_minutes(row[m])}" for m in METRICS if m in row))
    return lines


@agent_view(MANAGE)
def policies(request: HttpRequest) -> HttpResponse:
    rows = [{"policy": p, "targets": _summary(p),
             "groups": [link.group.name for link in p.group_links.all()]}
            for p in SlaPolicy.objects.select_related("calendar")
            .prefetch_related("group_links__group").order_by("name")]
    return screen(request, "sla_policies.html", "sla", {"rows": rows})


@agent_view(MANAGE)
def policy_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    policy = get_object_or_404(SlaPolicy, pk=pk) if pk is not None else None
    form = SlaPolicyForm(request.POST or None, policy=policy)
    context = {"policy": policy, "form": form}
    if request.method == "POST":
        if not form.is_valid():
            return invalid(request, "sla_policy_edit.html", "sla", context)
        saved = actions.save_policy(policy=policy, values=form.values,
                                    is_default=form.cleaned_data.get("is_default") or None)
        messages.success(request, _("Policy “%(name)s” saved.") % {"name": saved.name})
        return redirect("workspace:settings_sla")
    return screen(request, "sla_policy_edit.html", "sla", context)


@require_POST
@agent_view(MANAGE)
def policy_delete(request: HttpRequest, pk: int) -> HttpResponse:
    policy = get_object_or_404(SlaPolicy, pk=pk)
    try:
        actions.delete_policy(policy=policy)
    except actions.PolicyInUse as e:
        messages.error(request, _("Groups use this policy: %(groups)s. Give them another one "
                                  "first.") % {"groups": ", ".join(e.groups)})
        return redirect("workspace:settings_sla_edit", pk)
    messages.success(request, _("Policy “%(name)s” deleted.") % {"name": policy.name})
    return redirect("workspace:settings_sla")


urlpatterns: list[URLPattern] = [
    path("settings/sla/", policies, name="settings_sla"),
    path("settings/sla/new/", policy_edit, name="settings_sla_new"),
    path("settings/sla/<int:pk>/", policy_edit, name="settings_sla_edit"),
    path("settings/sla/<int:pk>/delete/", policy_delete, name="settings_sla_delete"),
]
