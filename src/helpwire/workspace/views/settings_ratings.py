"""Settings › Ratings [RP1]: when clients are asked to rate and how the score counts."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import URLPattern, path
from django.utils.translation import gettext as _

from helpwire.reports import actions, inputs, ratings
from helpwire.workspace.views.common import actor, agent_view
from helpwire.workspace.views.settings_catalog import invalid, screen

FIELDS = ("enabled", "ask_on", "frequency", "link_days", "formula")


@agent_view("settings.manage")
def rating_settings(request: HttpRequest) -> HttpResponse:
    now = ratings.current()
    form = inputs.RatingSettingsForm(request.POST or None,
                                     initial={f: getattr(now, f) for f in FIELDS})
    if request.method == "POST":
        if not form.is_valid():
            return invalid(request, "ratings.html", "ratings", {"form": form})
        actions.save_settings(actor=actor(request), values=form.cleaned_data)
        messages.success(request, _("Rating settings saved."))
        return redirect("workspace:settings_ratings")
    return screen(request, "ratings.html", "ratings", {"form": form})


urlpatterns: list[URLPattern] = [
    path("settings/ratings/", rating_settings, name="settings_ratings"),
]
