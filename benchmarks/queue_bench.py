"""Time the queue list and the ticket page on an already-loaded database.

    DATABASE_URL=postgres://root@127.0.0.1:5432/demo_bench \
        .venv/bin/helpwire demo --tickets 100000
    DATABASE_URL=postgres://root@127.0.0.1:5432/demo_bench \
        .venv/bin/python benchmarks/queue_bench.py

Renders through Django's test client (no network), as an administrator and as an agent
limited to his groups, and prints the median of several runs plus the query count.
"""

from __future__ import annotations

import os
import statistics
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpwire.settings")
django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from helpwire.accounts.models import Agent, Role  # noqa: E402
from helpwire.tickets.models import Ticket  # noqa: E402

RUNS = 7
PAGES = [
    ("queue all (full page)", "/queues/all/", {}),
    ("queue all (rows)", "/queues/all/?partial=rows", {"HX-Request": "true"}),
    ("queue unassigned (rows)", "/queues/unassigned/?partial=rows", {"HX-Request": "true"}),
    ("queue solved (rows)", "/queues/solved/?partial=rows", {"HX-Request": "true"}),
    ("api list", "/api/v1/tickets?limit=50", {}),
]


def measure(client: Client, url: str, headers: dict[str, str]) -> tuple[float, int]:
    times = []
    queries = 0
    for _ in range(RUNS):
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            response = client.get(url, headers=headers)
            times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
        queries = len(ctx.captured_queries)
    return statistics.median(times), queries


def main() -> None:
    total = Ticket.objects.count()
    print(f"{connection.vendor}, {total} tickets")
    for role in (Role.ADMIN, Role.AGENT):
        agent = Agent.objects.filter(role=role, is_active=True).first()
        if agent is None:
            continue
        client = Client()
        client.force_login(agent)
        print(f"-- as {role} {agent.email}")
        for name, url, headers in PAGES:
            ms, queries = measure(client, url, headers)
            print(f"{name:28} {ms:8.1f} ms  {queries:3d} queries")
        ticket = Ticket.objects.order_by("-pk").first()
        if ticket is not None and role == Role.ADMIN:
            ms, queries = measure(client, f"/tickets/{ticket.pk}/", {})
            print(f"{'ticket page':28} {ms:8.1f} ms  {queries:3d} queries")


if __name__ == "__main__":
    main()
