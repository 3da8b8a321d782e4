"""Asking the database for full-text matches — never ranking an unbounded set.

Both engines answer the same question: the matching ticket ids in *windows* of at most
``WINDOW`` candidates, newest first, each candidate with a relevance score (higher is
better). The caller (``query``) filters a window by the user's queryset and ranks what is
left; it asks for the next, older window only while it has too few visible hits. Ranking
therefore always works on a bounded candidate set (checklist item 15: ranking a word that
is in 40 % of a million documents takes about a second on either database).

SQLite FTS5 walks its index newest-first natively (``ORDER BY rowid DESC`` costs well
under a millisecond for any word), so a window is one query and bm25 is computed only for
the window's rows.

PostgreSQL has a trap: for "newest matches", the planner may walk the primary key
backwards and test every row — seconds for a rare or absent word. So the plan is chosen by
the word's frequency. When the planner's estimate already says "common" (above the middle
below), the walk starts at once and a full first window proves it; otherwise — or when the
newest rows do not bear the estimate out — it is measured with a capped count through the
GIN index (which for a common word would read thousands of documents):

- few (≤ WINDOW): fetch every match through GIN, rank them all;
- more: ask the planner how many it expects (EXPLAIN: the column statistics know the
  frequent lexemes; nothing is read). Up to about sqrt(WINDOW × documents) — where the two
  plans cost the same — fetch every id through GIN (capped; past the cap, walk instead),
  sort in Python and rank the newest windows;
- many: the word is common, so walking the primary key backwards finds a window after
  about WINDOW / frequency rows; the walk is still bounded to ``SCAN`` rows per window in
  case the matches are all old (then the candidate set simply ends there).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Sequence
from typing import Any, Protocol

from django.db import connection

Groups = Sequence[Sequence[str]]
Window = list[tuple[int, float]]  # (ticket id, score), newest first

WINDOW = 1000
MIDDLE = 20_000
SCAN = 50_000
TABLE = "search_searchdocument"
FTS = "search_fts"


class Engine(Protocol):
    def windows(self, groups: Groups) -> Iterator[Window]: ...


def fts5_expression(groups: Groups) -> str:
    """AND of groups, OR within a group; every term quoted (terms are letters or digits,
    but quoting keeps FTS5 operators like NOT or NEAR from ever being parsed)."""
    def quote(term: str) -> str:
        return '"' + term.replace('"', '""') + '"'

    return " AND ".join("(" + " OR ".join(quote(t) for t in group) + ")" for group in groups)


def tsquery_expression(groups: Groups) -> str:
    """The same query for PostgreSQL's ``to_tsquery('simple', …)``."""
    def quote(term: str) -> str:
        return "'" + term.replace("\\", "\\\\").replace("'", "''") + "'"

    return " & ".join("(" + " | ".join(quote(t) for t in group) + ")" for group in groups)


class SQLiteEngine:
    def windows(self, groups: Groups) -> Iterator[Window]:
        expression = fts5_expression(groups)
        before: int | None = None
        while True:
            params: list[Any] = [expression]
            below = ""
            if before is not None:
                below = "AND rowid < %s "
                params.append(before)
            params.append(WINDOW)
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT rowid, bm25({FTS}) FROM {FTS} WHERE {FTS} MATCH %s "  # noqa: S608
                    f"{below}ORDER BY rowid DESC LIMIT %s", params)
                rows = cursor.fetchall()
            if not rows:
                return
            # bm25 is negative, more negative is better.
            yield [(int(pk), -float(score)) for pk, score in rows]
            if len(rows) < WINDOW:
                return
            before = int(rows[-1][0])


class PostgreSQLEngine:
    QUERY = "to_tsquery('simple', %s)"

    def _fetch(self, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return list(cursor.fetchall())

    def count(self, tsquery: str, *, cap: int) -> int:
        """How many documents match, counting at most ``cap``."""
        rows = self._fetch(
            f"SELECT count(*) FROM (SELECT 1 FROM {TABLE} "  # noqa: S608
            f"WHERE tsv @@ {self.QUERY} LIMIT %s) hits", [tsquery, cap])
        return int(rows[0][0])

    def estimate(self, tsquery: str) -> tuple[float, float]:
        """(matches, documents) as the planner estimates them from the column statistics
        (the most common lexemes and their frequencies): planning only, nothing is read."""
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (FORMAT JSON) SELECT 1 FROM {TABLE} "  # noqa: S608
                           f"WHERE tsv @@ {self.QUERY}", [tsquery])
            plan = cursor.fetchone()[0]
            cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [TABLE])
            total = float(cursor.fetchone()[0])
        if isinstance(plan, str):
            plan = json.loads(plan)
        return float(plan[0]["Plan"]["Plan Rows"]), max(total, 1.0)

    def rank(self, tsquery: str, ids: Sequence[int]) -> Window:
        rows = self._fetch(
            f"SELECT ticket_id, ts_rank(tsv, {self.QUERY}) FROM {TABLE} "  # noqa: S608
            "WHERE ticket_id = ANY(%s)", [tsquery, list(ids)])
        scores = {int(pk): float(score) for pk, score in rows}
        return [(pk, scores[pk]) for pk in ids if pk in scores]

    def windows(self, groups: Groups) -> Iterator[Window]:
        tsquery = tsquery_expression(groups)
        expected, total = self.estimate(tsquery)
        # Fetching every match costs one row per match; walking the newest rows costs about
        # WINDOW * total / matches rows. They break even near sqrt(WINDOW * total).
        middle = min(MIDDLE, max(2 * WINDOW, int(math.sqrt(WINDOW * total))))
        first: list[int] | None = None
        if expected > middle:
            # The planner is sure the word is common: its newest matches, without counting
            # them first — the count reads and de-TOASTs thousands of documents (36–95 ms
            # at 100k for a word in 7 % of them). A full first window proves it common.
            first = self._newest(tsquery, before=None)
            if len(first) == WINDOW:
                yield from self._walk(tsquery, first)
                return
            # Fewer among the newest rows than the estimate promised: count, as for any.
        found = self.count(tsquery, cap=WINDOW + 1)
        if not found:
            return
        if found <= WINDOW:
            rows = self._fetch(
                f"SELECT ticket_id, ts_rank(tsv, {self.QUERY}) FROM {TABLE} "  # noqa: S608
                f"WHERE tsv @@ {self.QUERY}", [tsquery, tsquery])
            yield sorted(((int(pk), float(score)) for pk, score in rows), reverse=True)
            return
        if expected <= middle:
            rows = self._fetch(
                f"SELECT ticket_id FROM {TABLE} WHERE tsv @@ {self.QUERY} LIMIT %s",  # noqa: S608
                [tsquery, middle + 1])
            if len(rows) <= middle:
                ids = sorted((int(r[0]) for r in rows), reverse=True)
                for start in range(0, len(ids), WINDOW):
                    yield self.rank(tsquery, ids[start:start + WINDOW])
                return
        yield from self._walk(tsquery, first)

    def _newest(self, tsquery: str, *, before: int | None) -> list[int]:
        """Up to a window of matches among the ``SCAN`` newest documents below ``before``."""
        below = "WHERE ticket_id < %s " if before is not None else ""
        params: list[Any] = [before] if before is not None else []
        return [int(r[0]) for r in self._fetch(
            f"SELECT ticket_id FROM (SELECT ticket_id, tsv FROM {TABLE} {below}"  # noqa: S608
            f"ORDER BY ticket_id DESC LIMIT %s) newest WHERE tsv @@ {self.QUERY} "
            "ORDER BY ticket_id DESC LIMIT %s", [*params, SCAN, tsquery, WINDOW])]

    def _walk(self, tsquery: str, first: list[int] | None = None) -> Iterator[Window]:
        """Newest matches of a common word: the primary key backwards, at most ``SCAN`` rows
        per window (the inner LIMIT), stopping as soon as a window is not full."""
        ids = first if first is not None else self._newest(tsquery, before=None)
        while True:
            if ids:
                yield self.rank(tsquery, ids)
            if len(ids) < WINDOW:
                return  # the newest SCAN rows hold fewer matches: the candidate set ends
            ids = self._newest(tsquery, before=ids[-1])


def engine() -> Engine:
    if connection.vendor == "postgresql":
        return PostgreSQLEngine()
    if connection.vendor == "sqlite":
        return SQLiteEngine()
    raise NotImplementedError(f"search has no engine for {connection.vendor}")
