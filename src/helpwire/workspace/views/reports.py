"""The reports screen [RP2 RP3 RP6]: the overview for any period and filter beside the
period before, the SLA report per target, charts, and every number a link to the tickets
behind it (with CSV and XLSX of each). Monday's default is last week."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from helpwire.accounts.models import Agent, Group
from helpwire.clients.models import Company
from helpwire.connectors.models import Channel
from helpwire.reports import inputs, selectors, tables
from helpwire.reports.models import Metric
from helpwire.tickets.models import Priority
from helpwire.workspace.sla_forms import METRIC_LABELS
from helpwire.workspace.views.common import agent_view, error_text, page
from helpwire.workspace.views.queues import sidebar


def _cells(row: dict[str, Any], qs: str, key: Any) -> list[dict[str, Any]]:
    return [{"text": tables.shown(row.get(field), kind),
             "href": f"{qs}&metric={metric}&key={key}" if metric and row.get(field) else ""}
            for field, metric, kind in tables.HEADLINE]


def _chart(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Created and solved per row as bars (an SVG drawn here: no script, no CDN)."""
    top = max([1, *(max(r["created"], r["solved"]) for r in rows)])
    width = 24
    bars = [{"x": i * width, "created": round(90 * r["created"] / top),
             "solved": round(90 * r["solved"] / top), "label": r["label"],
             "created_n": r["created"], "solved_n": r["solved"]} for i, r in enumerate(rows)]
    for b in bars:
        b["created_y"], b["solved_y"] = 100 - b["created"], 100 - b["solved"]
    return {"bars": bars, "width": max(len(rows) * width, width), "top": top}


def _choices() -> dict[str, Any]:
    return {"channel_options": Channel.objects.order_by("name").values_list("pk", "name"),
            "group_options": Group.objects.order_by("name").values_list("pk", "name"),
            "agent_options": Agent.objects.filter(is_active=True).order_by("name")
            .values_list("pk", "name"),
            "group_choices": [(g, inputs.GROUP_LABELS[g]) for g in selectors.GROUPS],
            "priority_options": Priority.choices}


def screen(request: HttpRequest, template: str, context: dict[str, Any],
           status: int = 200) -> HttpResponse:
    """A reports page in the workspace frame (the sidebar's names are taken: queues,
    counts, channels, saved_views)."""
    return page(request, f"workspace/reports/{template}", {**context, **sidebar(request)},
                status=status)


@agent_view("report.view")
def overview(request: HttpRequest) -> HttpResponse:
    problem = ""
    try:
        f = inputs.parse(request.GET)
    except ValidationError as exc:
        problem, f = error_text(exc), inputs.parse({})
    data = selectors.overview(f)
    before = selectors.overview(f.previous())["total"]
    qs = inputs.query_string(f)
    drill = f"tickets/?{qs}"
    rows = [{"label": r["label"], "cells": _cells(r, drill, r["key"])} for r in data["rows"]]
    total = data["total"]
    summary = [{**s, "href": f"{drill}&metric={s['metric']}" if s["metric"] else ""}
               for s in tables.summary(total, before)]
    return screen(request, "overview.html", {
        "f": f, "qs": qs, "problem": problem, "rows": rows, "summary": summary,
        "total": _cells(total, drill, "total"),
        "headings": [tables.HEADINGS[c[0]] for c in tables.HEADLINE],
        "previous": f.previous(), "chart": _chart(data["rows"]),
        "backlog": selectors.backlog(f),
        "filter_company": Company.objects.filter(pk=f.company).first() if f.company else None,
        "sla": [{**r, "label": METRIC_LABELS.get(r["target"], r["target"])}
                for r in selectors.sla_report(f)],
        **_choices(),
    })


@agent_view("report.view")
def tickets(request: HttpRequest) -> HttpResponse:
    if "metric" not in request.GET:
        return redirect("workspace:reports")  # the list behind no figure: the report itself
    try:
        f = inputs.parse(request.GET)
        metric = inputs.metric(request.GET.get("metric", ""))
    except ValidationError as exc:
        return screen(request, "tickets.html", {"problem": error_text(exc)}, status=400)
    key = request.GET.get("key") or None
    qs = selectors.drill(f, metric=metric, key=key)
    pages = Paginator(tables.ordered(qs), 100)
    current = pages.get_page(request.GET.get("page"))
    extra = inputs.query_string(f, metric=metric, key=key)
    return screen(request, "tickets.html", {
        "f": f, "metric": Metric(metric).label, "page": current,
        "rows": list(tables.ticket_rows(current.object_list)), "qs": extra,
        "back": inputs.query_string(f),
    })
