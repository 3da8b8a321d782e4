"""Reports [RP2 RP5]: ``GET /api/v1/reports/overview`` (and ``.csv`` / ``.xlsx``), the SLA
report, drill-downs to the tickets behind a number, and excluding a rating [RP1]. The
query is parsed by ``reports.inputs`` like the screens'."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse, Http404, HttpRequest, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from ninja import Router, Schema

from helpwire.accounts import permissions
from helpwire.api.auth import agent_of
from helpwire.api.schemas import ERRORS, Id
from helpwire.core.actors import Actor
from helpwire.reports import actions, export, inputs, selectors, tables
from helpwire.reports.models import Rating, TagSet
from helpwire.reports.selectors import ReportFilter

router = Router(tags=["reports"])


def _filter(request: HttpRequest) -> ReportFilter:
    permissions.require(agent_of(request), "report.view")
    return inputs.parse(request.GET)


def download(kind: str, *, name: str, columns: export.Columns, rows: Any,
             title: str) -> StreamingHttpResponse | FileResponse:
    """A CSV or XLSX response, streamed; any other kind is not found."""
    if kind not in ("csv", "xlsx"):
        raise Http404
    if kind == "csv":
        response = StreamingHttpResponse(export.csv_chunks(columns, rows),
                                         content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        return response
    return FileResponse(export.xlsx_file(columns, rows, title=title), as_attachment=True,
                        filename=f"{name}.xlsx")


@router.get("/reports/overview", response={200: dict[str, Any], **ERRORS},
            summary="Volume, reply and resolution times, SLA and CSAT by period or dimension")
def overview(request: HttpRequest) -> Any:
    return selectors.overview(_filter(request))


@router.get("/reports/overview.{kind}", response={200: None, **ERRORS},
            summary="The overview as CSV or XLSX")
def overview_file(request: HttpRequest, kind: str) -> Any:
    f = _filter(request)
    data = selectors.overview(f)
    rows = [*data["rows"], {**data["total"], "label": str(tables.TOTAL)}]
    return download(kind, name=f"overview-{f.start}-{f.end}", columns=tables.OVERVIEW,
                    rows=rows, title=str(tables.OVERVIEW_TITLE))


@router.get("/reports/sla", response={200: list[dict[str, Any]], **ERRORS},
            summary="SLA per target, by responses and by tickets")
def sla(request: HttpRequest) -> Any:
    return selectors.sla_report(_filter(request))


@router.get("/reports/tickets", response={200: dict[str, Any], **ERRORS},
            summary="The tickets behind one number of a report")
def drill(request: HttpRequest, metric: str = "", key: str = "", limit: int = 100,
          offset: int = 0) -> Any:
    f = _filter(request)
    qs = selectors.drill(f, metric=inputs.metric(metric), key=key or None)
    limit = max(1, min(limit, 500))
    page = list(tables.ticket_rows(tables.ordered(qs)[offset:offset + limit]))
    return {"count": qs.count(), "items": page}


@router.get("/reports/tickets.{kind}", response={200: None, **ERRORS},
            summary="A drill-down's tickets as CSV or XLSX, every one of them")
def drill_file(request: HttpRequest, kind: str, metric: str = "", key: str = "") -> Any:
    f = _filter(request)
    qs = selectors.drill(f, metric=inputs.metric(metric), key=key or None)
    return download(kind, name=f"tickets-{metric}-{f.start}-{f.end}", columns=tables.TICKETS,
                    rows=tables.ticket_rows(tables.ordered(qs)), title=str(tables.TICKETS_TITLE))


def _tag_weeks(request: HttpRequest, tag_set: int) -> tuple[ReportFilter, dict[str, Any]]:
    f = _filter(request)
    chosen = get_object_or_404(TagSet, pk=tag_set)
    return f, selectors.tag_weeks(f, list(chosen.tags.all()))


@router.get("/reports/tags", response={200: dict[str, Any], **ERRORS},
            summary="A saved tag set: tickets created per tag (with subtags) and week")
def tags(request: HttpRequest, tag_set: int = 0) -> Any:
    return _tag_weeks(request, tag_set)[1]


@router.get("/reports/tags.{kind}", response={200: None, **ERRORS},
            summary="A tag set's weeks as CSV or XLSX")
def tags_file(request: HttpRequest, kind: str, tag_set: int = 0) -> Any:
    f, weeks = _tag_weeks(request, tag_set)
    return download(kind, name=f"tags-{f.start}-{f.end}", columns=tables.tag_columns(weeks),
                    rows=tables.tag_rows(weeks), title=str(tables.TAGS_TITLE))


class ExcludeIn(Schema):
    excluded: bool = True
    reason: str = ""


@router.post("/ratings/{rating_id}/exclude", response={200: dict[str, Any], **ERRORS},
             summary="Take a rating out of the statistics (with the reason) or put it back")
def exclude(request: HttpRequest, rating_id: Id, payload: ExcludeIn) -> Any:
    agent = agent_of(request)
    rating = get_object_or_404(Rating, pk=rating_id)
    rating = actions.exclude(actor=Actor.of_agent(agent), rating_id=rating.pk,
                             excluded=payload.excluded, reason=payload.reason)
    return {"id": rating.pk, "grade": rating.grade, "excluded": rating.excluded,
            "reason": rating.exclude_reason}
