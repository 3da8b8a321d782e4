"""The lead's own report settings [RP3 RP4]: saved tag sets watched week by week, and
reports emailed every Monday or every 1st."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from helpwire.reports import actions, inputs, selectors
from helpwire.reports.models import Schedule, TagSet
from helpwire.reports.schedules import recipients
from helpwire.workspace.views.common import actor, agent_view
from helpwire.workspace.views.reports import screen

WEEKS = 8


@agent_view("report.view")
def schedules(request: HttpRequest) -> HttpResponse:
    rows = [{"schedule": s, "recipients": recipients(s)}
            for s in Schedule.objects.order_by("name")]
    return screen(request, "schedules.html", {"rows": rows})


@agent_view("report.view")
def schedule_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    schedule = get_object_or_404(Schedule, pk=pk) if pk is not None else None
    initial = ({"name": schedule.name, "period": schedule.period,
                "recipients": schedule.recipients, "params": schedule.params}
               if schedule else {"params": request.GET.get("params", ""),
                                 "recipients": request.user.email})  # type: ignore[union-attr]
    form = inputs.ScheduleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        saved = actions.save_schedule(actor=actor(request), schedule=schedule,
                                      values=form.cleaned_data)
        messages.success(request, _("“%(name)s” will be sent on %(when)s.") % {
            "name": saved.name, "when": f"{saved.due_at:%d.%m.%Y %H:%M}"})
        return redirect("workspace:report_schedules")
    return screen(request, "schedule_edit.html",
                {"form": form, "schedule": schedule}, status=400 if form.errors else 200)


@agent_view("report.view")
def schedule_delete(request: HttpRequest, pk: int) -> HttpResponse:
    schedule = get_object_or_404(Schedule, pk=pk)
    if request.method == "POST":
        actions.delete_schedule(actor=actor(request), schedule=schedule)
        messages.success(request, _("“%(name)s” will no longer be sent.") % {
            "name": schedule.name})
        return redirect("workspace:report_schedules")
    return screen(request, "confirm_delete.html", {
        "what": schedule.name, "back": "workspace:report_schedules",
        "consequence": _("Nobody will get this report any more.")})


@agent_view("report.view")
def tag_sets(request: HttpRequest) -> HttpResponse:
    """The saved tag sets, and the chosen one's tickets per tag and week with the change
    [RP3]: the last eight weeks unless a period is given."""
    sets = list(TagSet.objects.prefetch_related("tags"))
    chosen = next((s for s in sets if str(s.pk) == request.GET.get("set")), sets[0] if sets
                  else None)
    weeks = None
    f = inputs.parse(request.GET)
    if "from" not in request.GET:
        f = replace(f, start=f.end - timedelta(days=7 * WEEKS - 1))
    if chosen is not None:
        weeks = selectors.tag_weeks(f, list(chosen.tags.all()))
    return screen(request, "tag_sets.html", {
        "sets": sets, "chosen": chosen, "weeks": weeks, "f": f,
        "qs": inputs.query_string(f, tag_set=chosen.pk if chosen else None)})


@agent_view("report.view")
def tag_set_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    tag_set = get_object_or_404(TagSet, pk=pk) if pk is not None else None
    initial = {"name": tag_set.name, "tags": "\n".join(t.path for t in tag_set.tags.all())} \
        if tag_set else {}
    form = inputs.TagSetForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        saved = actions.save_tag_set(actor=actor(request), tag_set=tag_set,
                                     name=form.cleaned_data["name"],
                                     tags=form.cleaned_data["tags"])
        return redirect(f"{reverse('workspace:report_tags')}?set={saved.pk}")
    return screen(request, "tag_set_edit.html",
                {"form": form, "tag_set": tag_set}, status=400 if form.errors else 200)


@agent_view("report.view")
def tag_set_delete(request: HttpRequest, pk: int) -> HttpResponse:
    tag_set = get_object_or_404(TagSet, pk=pk)
    if request.method == "POST":
        actions.delete_tag_set(actor=actor(request), tag_set=tag_set)
        return redirect("workspace:report_tags")
    return screen(request, "confirm_delete.html", {
        "what": tag_set.name, "back": "workspace:report_tags",
        "consequence": _("The tags stay; only this saved set goes. Scheduled reports of this "
                         "set send the overview instead.")})
