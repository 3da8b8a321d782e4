"""The bulk bar's endpoints: start an action, count "all matching", follow, pause and
resume a job [TK9]."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import URLPattern, path
from django.views.decorators.http import require_POST

from helpwire.tickets import bulk as jobs
from helpwire.tickets.models import BulkJob, BulkJobItem, Ticket
from helpwire.workspace import bulk
from helpwire.workspace.views.common import agent_view, page, viewer


def _job(request: HttpRequest, pk: int) -> BulkJob:
    job = BulkJob.objects.filter(pk=pk, created_by=viewer(request)).first()
    if job is None:
        raise Http404
    return job


def _progress(request: HttpRequest, job: BulkJob) -> HttpResponse:
    failures = list(BulkJobItem.objects.filter(job=job, state=BulkJobItem.State.FAILED)
                    .order_by("id")[:10])
    numbers = dict(Ticket.objects.filter(pk__in=[f.ticket_id for f in failures])
                   .values_list("pk", "number"))
    rows = [(numbers.get(f.ticket_id) if f.ticket_id else f.target, f.error)
            for f in failures]
    response = page(request, "workspace/_bulk_result.html", {"job": job, "failures": rows})
    if job.state == BulkJob.State.DONE:
        response["HX-Trigger"] = "live-rows, live-counts"
    return response


@agent_view("ticket.bulk")
@require_POST
def start(request: HttpRequest) -> HttpResponse:
    outcome = bulk.run(viewer=viewer(request), data=request.POST)
    if outcome.job is not None:
        return _progress(request, outcome.job)
    response = page(request, "workspace/_bulk_result.html", {"outcome": outcome})
    if outcome.merged:
        response["HX-Trigger"] = "live-rows, live-counts"
    return response


@agent_view("ticket.bulk")
def count(request: HttpRequest) -> HttpResponse:
    n = bulk.matching_count(viewer(request), request.GET.get("list_path", ""),
                            request.GET.get("list_query", ""), cap=10_000)
    return page(request, "workspace/_bulk_count.html",
                {"n": min(n, 10_000), "capped": n > 10_000})


@agent_view("ticket.bulk")
def job(request: HttpRequest, pk: int) -> HttpResponse:
    return _progress(request, _job(request, pk))


@agent_view("ticket.bulk")
@require_POST
def pause(request: HttpRequest, pk: int) -> HttpResponse:
    found = _job(request, pk)
    jobs.pause(job=found, agent=viewer(request))
    found.refresh_from_db()
    return _progress(request, found)


@agent_view("ticket.bulk")
@require_POST
def resume(request: HttpRequest, pk: int) -> HttpResponse:
    found = _job(request, pk)
    jobs.resume(job=found, agent=viewer(request))
    found.refresh_from_db()
    return _progress(request, found)


urlpatterns: list[URLPattern] = [
    path("bulk/", start, name="bulk"),
    path("bulk/count/", count, name="bulk_count"),
    path("bulk/jobs/<int:pk>/", job, name="bulk_job"),
    path("bulk/jobs/<int:pk>/pause/", pause, name="bulk_pause"),
    path("bulk/jobs/<int:pk>/resume/", resume, name="bulk_resume"),
]
