"""Search across everything the agent may see, notifications, the shortcuts help."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.views.decorators.http import require_POST

from helpwire.accounts.models import Notification
from helpwire.workspace import lists
from helpwire.workspace.views.common import agent_view, page, viewer
from helpwire.workspace.views.queues import render_listing, sidebar


@agent_view("ticket.view")
def search(request: HttpRequest) -> HttpResponse:
    return render_listing(request, lists.for_search(viewer(request), request.GET),
                          request.GET)


@agent_view()
def notifications(request: HttpRequest) -> HttpResponse:
    rows = Notification.objects.filter(agent=viewer(request)).order_by("-created_at")[:50]
    return page(request, "workspace/notifications.html", {"rows": rows, **sidebar(request)})


@agent_view()
@require_POST
def notifications_read(request: HttpRequest) -> HttpResponse:
    Notification.objects.filter(agent=viewer(request), read_at__isnull=True).update(
        read_at=timezone.now())
    return redirect("workspace:notifications")
