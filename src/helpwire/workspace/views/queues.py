"""Queues and lists: one template and one query path for the full page and the htmx rows."""

from __future__ import annotations

from urllib.parse import urlsplit

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from helpwire.accounts import permissions
from helpwire.clients.models import Client, Company
from helpwire.connectors.models import Channel
from helpwire.search.query import search_page
from helpwire.sla import tracking as sla_tracking
from helpwire.tickets import selectors
from helpwire.tickets.models import Priority, Status, Ticket
from helpwire.workspace import bulk, lists, queues
from helpwire.workspace.forms import FilterForm
from helpwire.workspace.models import SavedView
from helpwire.workspace.views.common import (
    agent_view,
    error_text,
    form_problems,
    is_htmx,
    page,
    viewer,
)


def sidebar(request: HttpRequest, *, count_views: bool = False) -> dict[str, object]:
    """The queues with their counts (a small read of the counter cells) and the saved
    filters, counted only when asked: full pages ask the sidebar again once loaded."""
    agent = viewer(request)
    views = lists.view_counts(agent, cheap_only=not count_views)
    return {
        "queues": queues.builtin(agent),
        "counts": queues.counts(agent),
        "channels": Channel.objects.filter(is_active=True).order_by("name"),
        "saved_views": views,
        "views_pending": any(v.count is None for v in views),
    }


def _filters_only(params: QueryDict) -> str:
    """The list's own filters, without paging and partial flags: the next page's URL and the
    live refresh append their own, instead of piling up every earlier cursor."""
    kept = params.copy()
    for key in ("cursor", "partial", "page"):
        kept.pop(key, None)
    return kept.urlencode()


# The columns a list sorts by, and the direction a first click gives.
_SORTABLE = {"updated": "-updated", "created": "-created", "priority": "-priority",
             "waiting": "waiting"}


def _sort_links(params: QueryDict, current: str) -> dict[str, dict[str, str]]:
    """For each sortable column: the query string that sorts by it (a second click turns
    the direction) and how it is sorted now ("asc", "desc" or "")."""
    out = {}
    for key, first in _SORTABLE.items():
        now = current.lstrip("-") == key
        wanted = (key if current.startswith("-") else f"-{key}") if now else first
        kept = params.copy()
        for name in ("cursor", "partial", "page"):
            kept.pop(name, None)
        kept["sort"] = wanted
        out[key] = {"query": kept.urlencode(),
                    "state": ("desc" if current.startswith("-") else "asc") if now else ""}
    return out


def render_listing(request: HttpRequest, listing: lists.Listing, params: QueryDict) -> HttpResponse:
    agent = viewer(request)
    # Each row with its search snippet ("" outside search): the template used to look each
    # one up among all the hits (50 × 50 comparisons, most of a search page's rendering).
    rows: list[tuple[Ticket, str]] = []
    next_cursor = None
    found = None
    try:
        if listing.q:
            qs = listing.queryset(agent).select_related(
                *selectors.LIST_RELATED).prefetch_related("tags")
            number = params.get("page", "1")
            found = search_page(q=listing.q, queryset=qs,
                                page=int(number) if number.isdigit() else 1)
            rows = [(h.ticket, h.snippet) for h in found.hits]
        else:
            result = selectors.ticket_page(viewer=agent, filters=listing.filters,
                                           cursor=params.get("cursor") or None, limit=50,
                                           sort=listing.sort)
            rows, next_cursor = [(t, "") for t in result.items], result.next_cursor
    except ValidationError as exc:
        rows, form_error = [], error_text(exc)
    else:
        form_error = ""
    clocks = sla_tracking.badges([t for t, _s in rows])
    for t, _s in rows:
        t.sla_badge = clocks.get(t.pk)  # type: ignore[attr-defined]
    context = {
        "title": listing.title, "slug": listing.slug, "form": listing.form,
        "rows": rows, "next_cursor": next_cursor, "found": found,
        "form_error": form_error, "q": listing.q, "querystring": _filters_only(params),
        "statuses": Status.choices, "priorities": Priority.choices,
        "sort": listing.sort, "sort_links": _sort_links(params, listing.sort),
        "active_channel": params.get("channel", ""), "view": listing.view,
        "current_filters": [(k, v) for k in listing.form.data
                            for v in listing.form.data.getlist(k)  # type: ignore[attr-defined]
                            if k not in ("cursor", "partial", "page", "sort")],
        "may_change_view": listing.view is not None and (
            listing.view.owner_id == agent.pk or permissions.can(agent, "view.share")),
        "can_take": permissions.can(agent, "ticket.assign"),
        "filter_client": Client.objects.filter(pk=listing.filters.client).first()
        if listing.filters.client else None,
        "filter_company": Company.objects.filter(pk=listing.filters.company).first()
        if listing.filters.company else None,
    }
    if is_htmx(request) and request.GET.get("partial") == "rows":
        return page(request, "workspace/_rows.html", context)
    return page(request, "workspace/queue.html",
                {**context, **bulk.bar_context(agent), **sidebar(request)})


@agent_view()
def home(request: HttpRequest) -> HttpResponse:
    return redirect("workspace:queue", slug="mine")


@agent_view("ticket.view")
def queue(request: HttpRequest, slug: str) -> HttpResponse:
    return render_listing(request, lists.for_queue(viewer(request), slug, request.GET), request.GET)


@agent_view("ticket.view")
def saved_view(request: HttpRequest, pk: int) -> HttpResponse:
    listing = lists.for_view(viewer(request), pk, request.GET)
    return render_listing(request, listing, request.GET)


def _own_view(request: HttpRequest, pk: int) -> SavedView:
    """A saved filter this agent may change: his own, or a shared one if he may share."""
    agent = viewer(request)
    view = lists.saved_views(agent).filter(pk=pk).first()
    if view is None:
        raise Http404(_("No such filter."))
    if view.owner_id is None and not permissions.can(agent, "view.share"):
        raise PermissionDenied(_("Only supervisors change filters shared with the team."))
    return view


class ViewNameForm(forms.Form):
    name = forms.CharField(max_length=100, error_messages={
        "required": gettext_lazy("Give the filter a name.")})
    shared = forms.BooleanField(required=False)


def refused(request: HttpRequest, message: str, back: str = "") -> HttpResponse:
    """A 400 page that says what was wrong; nothing was written."""
    return page(request, "workspace/refused.html",
                {"message": message, "back": back or request.headers.get("Referer", ""),
                 **sidebar(request)}, status=400)


@agent_view("ticket.view")
@require_POST
def view_rename(request: HttpRequest, pk: int) -> HttpResponse:
    view = _own_view(request, pk)
    form = ViewNameForm(request.POST)
    if not form.is_valid():
        return refused(request, form_problems(form))
    view.name = form.cleaned_data["name"].strip()
    view.save(update_fields=["name"])
    messages.success(request, _("Filter renamed."))
    return redirect("workspace:saved_view", pk=pk)


@agent_view("ticket.view")
@require_POST
def view_update(request: HttpRequest, pk: int) -> HttpResponse:
    """Keep what the list shows now (the filter panel's values) under this filter's name."""
    view = _own_view(request, pk)
    filters = FilterForm(request.POST)
    if not filters.is_valid():
        return refused(request, form_problems(filters))
    view.filters = filters.saved_filters()
    view.save(update_fields=["filters"])
    messages.success(request, _("Filter updated."))
    return redirect("workspace:saved_view", pk=pk)


@agent_view("ticket.view")
@require_POST
def view_delete(request: HttpRequest, pk: int) -> HttpResponse:
    view = _own_view(request, pk)
    name = view.name
    view.delete()
    messages.success(request, _("Filter “%(name)s” deleted.") % {"name": name})
    return redirect("workspace:home")


@agent_view("ticket.view")
@require_POST
def save_view(request: HttpRequest) -> HttpResponse:
    agent = viewer(request)
    filters, named = FilterForm(request.POST), ViewNameForm(request.POST)
    if not (filters.is_valid() and named.is_valid()):
        return refused(request, form_problems(named, filters))
    shared = named.cleaned_data["shared"]
    if shared and not permissions.can(agent, "view.share"):
        raise PermissionDenied(_("Only supervisors share filters with the team."))
    view = SavedView.objects.create(name=named.cleaned_data["name"].strip(),
                                    owner=None if shared else agent,
                                    filters=filters.saved_filters())
    return redirect("workspace:saved_view", pk=view.pk)


@agent_view()
def counts(request: HttpRequest) -> HttpResponse:
    """The sidebar alone, for live refreshes; it keeps the page's current list highlighted
    (htmx says which page asked)."""
    current = urlsplit(request.headers.get("HX-Current-URL", ""))
    context: dict[str, object] = {**sidebar(request, count_views=True), "slug": "",
                                  "active_channel": ""}
    try:
        match = resolve(current.path) if current.path else None
    except Resolver404:
        match = None
    if match is not None and match.url_name == "queue":
        context["slug"] = match.kwargs["slug"]
        context["active_channel"] = QueryDict(current.query).get("channel", "")
    elif match is not None and match.url_name == "saved_view":
        context["slug"] = f"view-{match.kwargs['pk']}"
    return page(request, "workspace/_counts.html", context)
