"""Which list a URL shows: a built-in queue or a saved view, with the filters of its query
string. The list page and the bulk bar's "all matching" both ask here, so a bulk action over
a whole filter touches exactly the tickets the agent was looking at."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.http import Http404, QueryDict
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _

from helpwire.accounts.models import Agent
from helpwire.core.forms import valid_id
from helpwire.tickets import counters, selectors
from helpwire.tickets.access import visible_counter_cells
from helpwire.tickets.filters import TicketFilter
from helpwire.tickets.models import Ticket
from helpwire.tickets.selectors import DEFAULT_SORT, SORTS
from helpwire.workspace import queues
from helpwire.workspace.forms import FilterForm
from helpwire.workspace.models import SavedView


@dataclass
class Listing:
    title: str
    slug: str
    form: FilterForm
    filters: TicketFilter
    q: str
    sort: str
    view: SavedView | None = None

    def queryset(self, agent: Agent) -> QuerySet[Ticket]:
        return selectors.ticket_queryset(viewer=agent, filters=self.filters)


def saved_views(agent: Agent) -> QuerySet[SavedView]:
    return SavedView.objects.filter(Q(owner=agent) | Q(owner__isnull=True))


def _view_params(view: SavedView, extra: QueryDict) -> QueryDict:
    params = QueryDict(mutable=True)
    for key, value in view.filters.items():
        if isinstance(value, list):
            params.setlist(key, [str(v) for v in value])
        else:
            params[key] = str(value)
    for key in extra:  # page cursors, partial flags, and filters added on top
        params.setlist(key, extra.getlist(key))
    return params


def for_queue(agent: Agent, slug: str, params: QueryDict) -> Listing:
    found = queues.find(agent, slug)
    if found is None:
        raise Http404(_("No such queue."))
    found = queues.with_channel(found, valid_id(params.get("channel", "")))
    # An agent's own queue comes by the nearest SLA deadline first [SL5].
    return _listing(str(found.title), slug, found.filters, params,
                    default_sort="sla_due" if slug == "mine" else DEFAULT_SORT)


@selectors.saved_filters_from
def saved_filter_tickets(agent: Agent, pk: int) -> QuerySet[Ticket] | None:
    try:
        return for_view(agent, pk, QueryDict()).queryset(agent)
    except Http404:
        return None


def for_view(agent: Agent, pk: int, params: QueryDict) -> Listing:
    view = saved_views(agent).filter(pk=pk).first()
    if view is None:
        raise Http404(_("No such filter."))
    listing = _listing(view.name, f"view-{pk}", TicketFilter(), _view_params(view, params))
    listing.view = view
    return listing


@dataclass(frozen=True)
class ViewCount:
    view: SavedView
    count: int | None  # None: not counted yet (the sidebar fetches it after the page)
    more: bool  # over COUNT_CAP: shown as "1 000+"

    @property
    def slug(self) -> str:
        return f"view-{self.view.pk}"


COUNT_CAP = 1000


def view_counts(agent: Agent, *, cheap_only: bool = False) -> list[ViewCount]:
    """Each saved filter with how many tickets it shows: from the queue counter cells when
    the filter asks only what they know, else counted up to ``COUNT_CAP`` — a query over the
    tickets (40+ ms at 100k, more at 1M), which ``cheap_only`` leaves out (count None): full
    pages do, and their sidebar asks for the rest as soon as the page has loaded."""
    out = []
    for view in saved_views(agent):
        listing = for_view(agent, view.pk, QueryDict())
        cells = listing.filters.counter_cells() if not listing.q else None
        n: int | None
        if cells is not None:
            n, more = counters.total(cells & visible_counter_cells(agent)), False
        elif cheap_only:
            n, more = None, False
        else:
            n = listing.queryset(agent).order_by()[: COUNT_CAP + 1].count()
            n, more = min(n, COUNT_CAP), n > COUNT_CAP
        out.append(ViewCount(view=view, count=n, more=more))
    return out


def for_search(agent: Agent, params: QueryDict) -> Listing:
    return _listing(_("Search"), "search", TicketFilter(), params)


def _listing(title: str, slug: str, base: TicketFilter, params: QueryDict,
             default_sort: str = DEFAULT_SORT) -> Listing:
    form = FilterForm(params)
    filters = form.to_filter(base)
    q = form.cleaned_data.get("q", "") if form.is_valid() else ""
    sort = params.get("sort") or default_sort
    return Listing(title=title, slug=slug, form=form, filters=filters, q=q.strip(),
                   sort=sort if sort.lstrip("-") in SORTS else default_sort)


def from_url(agent: Agent, path: str, query: str) -> Listing:
    """The listing behind a list page's path and query string (as the bulk bar sends them)."""
    try:
        match = resolve(path)
    except Resolver404:
        raise Http404(_("No such list.")) from None
    params = QueryDict(query)
    if match.url_name == "queue":
        return for_queue(agent, match.kwargs["slug"], params)
    if match.url_name == "saved_view":
        return for_view(agent, int(match.kwargs["pk"]), params)
    if match.url_name == "search":
        return for_search(agent, params)
    raise Http404(_("No such list."))
