"""Jobs [AU6 AU7 TK9]: ``GET /api/v1/jobs/{id}`` — the progress and summary of a bulk
action, a manual rule's run or a mailing. An agent sees his own jobs; admins see all."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from ninja import Router

from helpwire.accounts import permissions
from helpwire.api.auth import agent_of
from helpwire.api.schemas import ERRORS, Id, JobOut
from helpwire.tickets.models import BulkJob, BulkJobItem

router = Router(tags=["jobs"])
FAILURES_SHOWN = 50


def job_out(job: BulkJob) -> dict[str, Any]:
    failures = (BulkJobItem.objects.filter(job=job, state=BulkJobItem.State.FAILED)
                .order_by("id")[:FAILURES_SHOWN])
    return {"id": job.pk, "action": job.action, "state": job.state, "total": job.total,
            "done": job.done, "failed": job.failed, "skipped": job.skipped,
            "created_at": job.created_at, "finished_at": job.finished_at,
            "failures": [{"ticket_id": f.ticket_id, "target": f.target, "error": f.error}
                         for f in failures]}


@router.get("/jobs/{job_id}", response={200: JobOut, **ERRORS},
            summary="A job's progress and summary")
def get_job(request: HttpRequest, job_id: Id) -> Any:
    agent = agent_of(request)
    job = BulkJob.objects.filter(pk=job_id).first()
    if job is None or (job.created_by_id != agent.pk
                       and not permissions.can(agent, "settings.manage")):
        raise Http404("No such job.")
    return job_out(job)
