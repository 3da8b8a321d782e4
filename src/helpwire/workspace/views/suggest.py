"""Search-as-you-type for the pickers that replace typed ids: clients by name, email or
phone; companies by name; agents by name (for @mentions)."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, path

from helpwire.accounts.models import Agent
from helpwire.accounts.permissions import may_see_contacts
from helpwire.clients.models import fold
from helpwire.clients.selectors import suggest_clients, suggest_companies
from helpwire.tickets.access import visible_clients
from helpwire.workspace.views.common import agent_view, page, viewer


@dataclass
class Item:
    pk: int
    label: str
    detail: str = ""


def _q(request: HttpRequest) -> str:
    """The typed text: ``q``, or a picker's own box (``client_q``, ``source_q``…)."""
    for key, value in request.GET.items():
        if key == "q" or key.endswith("_q"):
            return str(value).strip()[:200]
    return ""


@agent_view("client.view")
def clients(request: HttpRequest) -> HttpResponse:
    q = _q(request)
    contacts = may_see_contacts(viewer(request))
    items = [Item(c.pk, c.name or str(c), ", ".join(i.value for i in c.identities.all())
                  if contacts else (c.company.name if c.company else ""))
             for c in suggest_clients(q, among=visible_clients(viewer(request)))]
    return page(request, "workspace/_suggest.html", {"items": items, "q": q})


@agent_view("client.view")
def companies(request: HttpRequest) -> HttpResponse:
    q = _q(request)
    items = [Item(c.pk, c.name) for c in suggest_companies(q)]
    return page(request, "workspace/_suggest.html", {"items": items, "q": q})


@agent_view("ticket.view")
def agents(request: HttpRequest) -> HttpResponse:
    q = fold(_q(request))
    found = [a for a in Agent.objects.filter(is_active=True).order_by("name")
             if q in fold(a.name) or q in a.email.lower()][:8]
    items = [Item(a.pk, a.name, a.email) for a in found]
    return page(request, "workspace/_suggest.html", {"items": items, "q": "xx"})


urlpatterns: list[URLPattern] = [
    path("suggest/clients/", clients, name="suggest_clients"),
    path("suggest/companies/", companies, name="suggest_companies"),
    path("suggest/agents/", agents, name="suggest_agents"),
]
