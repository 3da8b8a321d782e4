"""Keyset pages: the next page's link carries one cursor, and on SQLite a page deep in a
list is a range scan of the sort index, not a scan of every ticket [CHECKLIST 14]."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from helpwire.tickets import selectors


@pytest.fixture
def many(inbound, support):
    start = timezone.now() - timedelta(days=1)
    out = []
    for n in range(120):
        t = inbound(f"Вопрос {n}", thread=f"page-{n}", external_id=f"page-{n}",
                    received_at=start + timedelta(minutes=n),
                    ticket_defaults={"group_id": support.pk}).ticket
        out.append(t)
    return out


def test_it_pages_through_every_ticket_once(many, admin):
    seen: list[int] = []
    cursor = None
    while True:
        page = selectors.ticket_page(viewer=admin, cursor=cursor, limit=50)
        seen += [t.pk for t in page.items]
        if not page.next_cursor:
            break
        cursor = page.next_cursor
    assert sorted(seen) == sorted(t.pk for t in many) and len(seen) == len(set(seen))


def test_it_links_the_next_page_with_one_cursor_only(many, browser_as, admin):
    b = browser_as(admin)
    first = b.get("/queues/all/").content.decode()
    link = re.search(r'hx-get="([^"]*cursor=[^"]*)"', first).group(1).replace("&amp;", "&")
    second = b.get(link, HTTP_HX_REQUEST="true").content.decode()
    link2 = re.search(r'hx-get="([^"]*cursor=[^"]*)"', second).group(1).replace("&amp;", "&")
    assert link2.count("cursor=") == 1 and link2.count("partial=") == 1


@pytest.mark.sqlite
def test_it_reads_a_later_page_as_a_range_of_the_sort_index(many, admin):
    page = selectors.ticket_page(viewer=admin, limit=50)
    qs = selectors.ticket_queryset(viewer=admin)
    qs = selectors.after_cursor(qs, page.next_cursor).order_by("-updated_at", "-pk")[:51]
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        plan = " ".join(str(row[-1]) for row in cursor.fetchall())
    assert "USING INDEX tickets_updated (updated_at<?)" in plan, plan
