"""Settings screens for working-hours calendars [TM2]: the list (which groups use which), the
editor with a two-week preview of the hours it yields, and deletion, refused while a group
uses the calendar. Writes go through ``calendars.actions``."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, available_timezones

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from helpwire.calendars import actions, schedule, selectors
from helpwire.calendars.models import Calendar
from helpwire.workspace.hours_forms import CalendarForm, PreviewForm
from helpwire.workspace.views.common import agent_view
from helpwire.workspace.views.settings_catalog import MANAGE, invalid, screen

PREVIEW_DAYS = 14


@agent_view(MANAGE)
def calendars(request: HttpRequest) -> HttpResponse:
    rows = Calendar.objects.prefetch_related("groups")
    return screen(request, "calendars.html", "calendars", {"calendars": rows})


def _preview(request: HttpRequest, calendar: Calendar) -> dict[str, object]:
    spec = calendar.spec()
    now = timezone.now()
    asked = PreviewForm(request.GET)
    today = ((asked.is_valid() and asked.cleaned_data["start"])
             or now.astimezone(ZoneInfo(calendar.time_zone)).date())
    try:
        upcoming: datetime | None = schedule.next_working(spec, now)
    except schedule.NoWorkingTime:
        upcoming = None
    return {"days": selectors.preview(spec=spec, start=today, days=PREVIEW_DAYS),
            "working_now": schedule.is_working(spec, now), "next_working": upcoming,
            "zone": calendar.time_zone, "form": asked}


@agent_view(MANAGE)
def calendar_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    calendar = get_object_or_404(Calendar, pk=pk) if pk is not None else None
    form = CalendarForm(request.POST or None, calendar=calendar)
    context = {"calendar": calendar, "form": form, "zones": sorted(available_timezones()),
               "preview": _preview(request, calendar) if calendar else None,
               "users": sorted(g.name for g in calendar.groups.all()) if calendar else []}
    if request.method == "POST":
        if form.is_valid():
            saved = actions.save_calendar(values=form.values, calendar=calendar,
                                          is_default=form.cleaned_data["is_default"])
            messages.success(request, _("Calendar “%(name)s” saved.") % {"name": saved.name})
            return redirect("workspace:settings_calendar_edit", saved.pk)
        return invalid(request, "calendar_edit.html", "calendars", context)
    return screen(request, "calendar_edit.html", "calendars", context)


@require_POST
@agent_view(MANAGE)
def calendar_delete(request: HttpRequest, pk: int) -> HttpResponse:
    calendar = get_object_or_404(Calendar, pk=pk)
    try:
        actions.delete_calendar(calendar=calendar)
    except actions.CalendarInUse as e:
        messages.error(request, _("Calendar “%(name)s” is used by %(groups)s: give them "
                                  "another calendar first.")
                       % {"name": calendar.name, "groups": ", ".join(e.users)})
        return redirect("workspace:settings_calendar_edit", pk)
    messages.success(request, _("Calendar “%(name)s” deleted.") % {"name": calendar.name})
    return redirect("workspace:settings_calendars")


urlpatterns: list[URLPattern] = [
    path("settings/calendars/", calendars, name="settings_calendars"),
    path("settings/calendars/new/", calendar_edit, name="settings_calendar_new"),
    path("settings/calendars/<int:pk>/", calendar_edit, name="settings_calendar_edit"),
    path("settings/calendars/<int:pk>/delete/", calendar_delete,
         name="settings_calendar_delete"),
]
