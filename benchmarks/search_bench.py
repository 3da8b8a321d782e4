# ruff: noqa: E402, S608 - a script: Django is set up before imports; SQL names are ours
"""Search timings on an already-loaded database (checklist item 15).

    helpwire demo --tickets 200000            # realistic Russian tickets (no documents yet)
    .venv/bin/python benchmarks/search_bench.py [--reindex] [--runs 5] [--naive]

Uses whatever database DATABASE_URL (or HELPWIRE_DATA_DIR for SQLite) selects. Builds the
search documents first when some are missing (timing ``reindex``), then picks from the data
a rare word, a word in about 1 % and one in about half of the documents, plus an absent
word, and times ``matching_ticket_ids``, ``search`` (ranked and newest-first, for an admin
and for a group agent) on each. ``--naive`` also times the plans the checklist warns about
(ranking every match; PostgreSQL's "newest 20" through the primary key) for comparison.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpwire.settings")

import django

django.setup()

from django.db import connection
from django.db.models.functions import Mod
from tqdm import tqdm

from helpwire.accounts.models import Agent, Role
from helpwire.accounts.permissions import visible_tickets
from helpwire.search import backends
from helpwire.search.models import SearchDocument
from helpwire.search.normalize import query_groups
from helpwire.search.query import matching_ticket_ids, search
from helpwire.search.reindex import reindex
from helpwire.tickets.models import Ticket

ABSENT = "ксилофонщик"


def scalar(sql: str, params: list[object]) -> object:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
        return row[0] if row else None


def frequency(word: str) -> int:
    groups = query_groups(word)
    if connection.vendor == "sqlite":
        return int(scalar(f"SELECT count(*) FROM {backends.FTS} WHERE {backends.FTS} MATCH %s",
                          [backends.fts5_expression(groups)]))
    return int(scalar(f"SELECT count(*) FROM {backends.TABLE} "
                      "WHERE tsv @@ to_tsquery('simple', %s)",
                      [backends.tsquery_expression(groups)]))


def pick_words(total: int) -> dict[str, str]:
    """Terms from a sample of documents: rare (one document), ~1 %, ~50 %."""
    step = max(1, total // 3000)
    sample = list(SearchDocument.objects.alias(m=Mod("ticket_id", step)).filter(m=0)
                  .values_list("lemmas", flat=True))
    df: Counter[str] = Counter()
    for lemmas in sample:
        df.update(set(lemmas.split()))
    n = len(sample)
    half = min(df, key=lambda t: abs(df[t] / n - 0.5))
    common = min(df, key=lambda t: abs(df[t] / n - 0.01) + (0 if len(t) > 3 else 1))
    rare = [t for t, c in df.items() if c == 1 and any(ch.isdigit() for ch in t) and len(t) > 5]
    random.Random(1).shuffle(rare)
    rare_word = next((t for t in rare[:50] if frequency(t) <= 3), rare[0] if rare else "zzz")
    return {"rare": rare_word, "~1 %": common, "~50 %": half, "absent": ABSENT}


def timed(func: Callable[[], object], runs: int) -> tuple[float, float]:
    """(first run, median of the next ``runs``) in milliseconds."""
    started = time.perf_counter()
    func()
    first = (time.perf_counter() - started) * 1000
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        func()
        times.append((time.perf_counter() - started) * 1000)
    return first, statistics.median(times)


def naive_plans(word: str) -> dict[str, Callable[[], object]]:
    groups = query_groups(word)
    if connection.vendor == "sqlite":
        expr = backends.fts5_expression(groups)
        fts = backends.FTS
        return {"bm25 over all matches": lambda: scalar(
            f"SELECT rowid FROM {fts} WHERE {fts} MATCH %s ORDER BY bm25({fts}) LIMIT 20",
            [expr])}
    q = "to_tsquery('simple', %s)"
    tsq = backends.tsquery_expression(groups)
    table = backends.TABLE
    return {
        "newest 20 (ORDER BY id DESC)": lambda: scalar(
            f"SELECT ticket_id FROM {table} WHERE tsv @@ {q} ORDER BY ticket_id DESC LIMIT 20",
            [tsq]),
        "ts_rank over all matches": lambda: scalar(
            f"SELECT ticket_id FROM {table} WHERE tsv @@ {q} "
            f"ORDER BY ts_rank(tsv, {q}) DESC LIMIT 20", [tsq, tsq]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reindex", action="store_true", help="rebuild documents first")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--naive", action="store_true", help="time the naive plans too")
    args = parser.parse_args()

    tickets = Ticket.objects.count()
    documents = SearchDocument.objects.count()
    print(f"database: {connection.vendor}, {tickets} tickets, {documents} documents")
    if args.reindex or documents < tickets:
        started = time.perf_counter()
        with tqdm(total=tickets, unit="ticket", unit_scale=True, desc="reindex") as bar:
            reindex(batch=2000, on_batch=bar.update)
        took = time.perf_counter() - started
        print(f"reindex: {tickets} tickets in {took:.1f} s ({tickets / took:.0f} tickets/s)")
        documents = SearchDocument.objects.count()

    if connection.vendor == "postgresql":
        # A fresh bulk load has no statistics until autovacuum gets to it; the planner's
        # choices (and our frequency estimate) need them.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    words = pick_words(documents)
    agent = Agent.objects.filter(role=Role.AGENT, is_active=True).order_by("pk").first()
    admin_qs = Ticket.objects.all()
    agent_qs = visible_tickets(agent) if agent else admin_qs
    print(f"{'word':<22}{'matches':>9}  {'what':<36}{'first ms':>10}{'median ms':>11}")
    for label, word in words.items():
        found = frequency(word)
        cases: dict[str, Callable[[], object]] = {
            "matching_ticket_ids(limit=20)": lambda w=word: matching_ticket_ids(w, limit=20),
            "search ranked (admin)": lambda w=word: search(q=w, queryset=admin_qs),
            "search newest first (admin)": lambda w=word: search(q=w, queryset=admin_qs,
                                                                 ranked=False),
            "search ranked (group agent)": lambda w=word: search(q=w, queryset=agent_qs),
        }
        if args.naive:
            cases.update({f"naive: {k}": v for k, v in naive_plans(word).items()})
        for n, (what, func) in enumerate(cases.items()):
            first, median = timed(func, args.runs)
            name = f"{label} «{word}»" if n == 0 else ""
            count = str(found) if n == 0 else ""
            print(f"{name:<22}{count:>9}  {what:<36}{first:>10.1f}{median:>11.1f}")


if __name__ == "__main__":
    main()
