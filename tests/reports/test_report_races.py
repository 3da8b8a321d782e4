"""The rollups under concurrent writers, on PostgreSQL: two tickets counted at once on the
same day both count, and a fold that runs while a writer's rows are not yet committed
neither loses them nor counts them twice."""

from __future__ import annotations

import threading
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from django.db.models import Sum

from helpwire.reports import housekeeping
from helpwire.reports.facts import Rollup, Row
from helpwire.reports.models import DIMENSIONS, Daily, Total
from tests.race import Window, errors, postgres_only, run_concurrently

pytestmark = [postgres_only, pytest.mark.django_db(transaction=True)]
DAY = date(2026, 11, 2)


def created(channel: int) -> Row:
    return Row(metric="created", day=DAY, at=datetime(2026, 11, 2, 10, tzinfo=ZoneInfo("UTC")),
               value_s=None, calendar_s=None, target="", agent_key=0, group_key=0,
               channel_key=channel, company_key=0, priority="medium", internal=False)


def counted(model) -> int:
    return model.objects.filter(metric="created", day=DAY).aggregate(n=Sum("count"))["n"] or 0


def test_it_counts_two_tickets_created_at_once(inbound):
    window = Window(2)

    def create(n: int):
        def run():
            with transaction.atomic():
                inbound(f"Вопрос {n}", thread=f"race{n}", email=f"race{n}@example.ru")
                window.arrive()  # both counted, neither committed
        return run

    results = run_concurrently(create(1), create(2))
    assert not errors(results), results
    assert not window.blocked  # insert-only rollups: nobody waited on a counter row
    today = Daily.objects.filter(metric="created").aggregate(n=Sum("count"))["n"]
    assert today == 2
    assert Total.objects.filter(metric="created", dim="").aggregate(n=Sum("count"))["n"] == 2


def test_it_folds_while_a_writer_holds_new_rows():
    with transaction.atomic():
        Rollup().add([created(1)]).save()
    inserted, folded = threading.Event(), threading.Event()

    def writer():
        with transaction.atomic():
            Rollup().add([created(1)]).save()
            inserted.set()
            assert folded.wait(15)  # commit only after the fold has committed

    def folder():
        assert inserted.wait(15)
        taken = housekeeping.fold_day(Daily, DIMENSIONS, DAY)
        folded.set()
        return taken

    results = run_concurrently(writer, folder)
    assert not errors(results), results
    assert results[1] == 1  # the fold took the committed row only
    assert counted(Daily) == 2  # nothing lost, nothing twice
    assert Daily.objects.filter(day=DAY, folded=False).count() == 1  # for the next fold
    housekeeping.fold_day(Daily, DIMENSIONS, DAY)
    assert counted(Daily) == 2 and Daily.objects.filter(day=DAY).count() == 1
