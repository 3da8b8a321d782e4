"""Settings screens for admins: agents, groups, tags, custom fields, templates [TM1]."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, path

from helpwire.workspace.views.common import agent_view, page
from helpwire.workspace.views.queues import sidebar


@agent_view("settings.manage")
def index(request: HttpRequest) -> HttpResponse:
    return page(request, "workspace/settings/index.html", sidebar(request))


urlpatterns: list[URLPattern] = [
    path("settings/", index, name="settings"),
]
