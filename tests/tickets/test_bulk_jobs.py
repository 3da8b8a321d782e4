"""Bulk actions as resumable jobs: every ticket goes through the action once — not twice
after an interruption, not at all after a pause — with progress counted [TK9]."""

from __future__ import annotations

import pytest

from helpwire.accounts.models import Agent, Role
from helpwire.core.models import Event
from helpwire.demo.loader import load_base
from helpwire.tickets import bulk, tags
from helpwire.tickets.models import BulkJob, BulkJobItem, Change, Status, Ticket
from tests.race import errors, postgres_only, run_concurrently

TAG = "Инциденты › Сбой оплаты 12.11"


def _tagged_once(ids: list[int]) -> bool:
    lines = Change.objects.filter(ticket_id__in=ids, field="tags", new__contains="Сбой оплаты")
    return lines.count() == len(ids) and lines.values("ticket_id").distinct().count() == len(ids)


def test_it_does_a_small_selection_at_once(inbound, agent, support):
    ids = [inbound(f"Вопрос {n}", thread=f"s{n}",
                   ticket_defaults={"group_id": support.pk}).ticket.pk for n in range(3)]
    job = bulk.start(agent=agent, action="status", value=Status.SOLVED, ticket_ids=ids)
    assert (job.state, job.done, job.failed) == (BulkJob.State.DONE, 3, 0)
    assert set(Ticket.objects.filter(pk__in=ids).values_list("status", flat=True)) == {"solved"}


def test_it_records_why_a_ticket_could_not_be_changed(inbound, agent, other_agent, support,
                                                      claims):
    mine = inbound("Моё", thread="m", ticket_defaults={"group_id": support.pk}).ticket
    theirs = inbound("Чужое", thread="t", ticket_defaults={"group_id": claims.pk}).ticket
    job = bulk.start(agent=agent, action="priority", value="urgent",
                     ticket_ids=[mine.pk, theirs.pk])
    assert (job.done, job.failed) == (1, 1)
    failed = BulkJobItem.objects.get(job=job, state=BulkJobItem.State.FAILED)
    assert failed.ticket_id == theirs.pk and failed.error
    theirs.refresh_from_db()
    assert theirs.priority == "medium"


def test_it_refuses_a_bad_value_before_writing_anything(inbound, agent):
    t = inbound("x", thread="x").ticket
    with pytest.raises(Exception) as caught:
        bulk.start(agent=agent, action="assign", value="Иван", ticket_ids=[t.pk])
    assert getattr(caught.value, "code", "") == "invalid_assignee"
    assert not BulkJob.objects.exists()


@pytest.fixture
def five_thousand(db, settings, tmp_path) -> tuple[Agent, list[int]]:
    settings.DATA_DIR = tmp_path
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    load_base(tickets=5000)  # the demo loader: the one sanctioned bulk writer
    admin = Agent.objects.filter(role=Role.ADMIN).first()
    return admin, list(Ticket.objects.order_by("pk").values_list("pk", flat=True))


@pytest.mark.slow
def test_it_resumes_an_interrupted_job_over_5000_tickets_without_doing_any_twice(
        five_thousand):
    admin, ids = five_thousand
    assert len(ids) == 5000
    job = bulk.start(agent=admin, action="tag", value=TAG, ticket_ids=ids)
    assert job.state == BulkJob.State.RUNNING and job.done == 0  # left to the worker
    assert bulk.run(job.pk, limit=1234)  # a worker did part of it, then died
    bulk.pause(job=job, agent=admin)
    assert not bulk.run(job.pk)  # paused: nothing more happens
    job.refresh_from_db()
    assert job.done == 1234 and job.state == BulkJob.State.PAUSED
    bulk.resume(job=job, agent=admin)
    while bulk.run(job.pk, limit=1000):
        pass
    job.refresh_from_db()
    assert (job.state, job.done, job.failed, job.total) == (BulkJob.State.DONE, 5000, 0, 5000)
    assert _tagged_once(ids)
    events = Event.objects.filter(kind="ticket.changed", payload__changes__has_key="tags")
    assert events.count() == 5000


@pytest.mark.django_db(transaction=True)
@postgres_only
def test_it_lets_two_workers_share_a_job_without_doing_any_ticket_twice(inbound, agent,
                                                                         support):
    ids = [inbound(f"Вопрос {n}", thread=f"w{n}",
                   ticket_defaults={"group_id": support.pk}).ticket.pk for n in range(60)]
    tags.ensure(TAG)  # an agent tags with the tree's tags
    job = bulk.start(agent=agent, action="tag", value=TAG, ticket_ids=ids)
    results = run_concurrently(lambda: bulk.run(job.pk), lambda: bulk.run(job.pk))
    assert not errors(results), results
    job.refresh_from_db()
    assert (job.state, job.done, job.failed) == (BulkJob.State.DONE, 60, 0)
    assert _tagged_once(ids)
