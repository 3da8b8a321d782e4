"""Search across everything the agent may see, notifications, the shortcuts help."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.views.decorators.http import require_POST

from helpwire.accounts.models import Notification
from helpwire.search.query import ticket_number
from helpwire.tickets.access import visible_tickets
from helpwire.workspace import lists
from helpwire.workspace.views.common import agent_view, is_htmx, page, viewer
from helpwire.workspace.views.queues import render_listing, sidebar


@agent_view("ticket.view")
def search(request: HttpRequest) -> HttpResponse:
    """The top bar's search. Exactly a ticket number the agent may see opens that ticket."""
    agent = viewer(request)
    number = ticket_number(request.GET.get("q", ""))
    if number is not None and not is_htmx(request):
        found = visible_tickets(agent).filter(number=number).values_list("pk", flat=True)
        if found:
            return redirect("workspace:ticket", pk=found[0])
    return render_listing(request, lists.for_search(agent, request.GET), request.GET)


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
