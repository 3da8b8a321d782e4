"""Reading the event log in id order without losing rows that commit late.

Ids are handed out when a row is inserted, not when its transaction commits: on PostgreSQL
event 101 can become visible after event 102 (a slower transaction). A reader that only
asks for ``id > last`` would skip 101 for good. ``EventCursor`` remembers the *gaps* — ids
below its position it has not seen yet — and asks for them again on every read until they
turn up or are old enough to be rollbacks (``GAP_TTL``, far longer than any transaction).
On SQLite writers are serialised, so gaps are only rolled-back inserts.
"""

from __future__ import annotations

import time
from typing import Any

from django.db.models import Q

from helpwire.core.models import Event

GAP_TTL = 120.0  # seconds
MAX_GAPS = 10_000
# At the start, ids this far behind the newest may still be in flight.
START_WINDOW = 500


class EventCursor:
    def __init__(self, last_id: int, gaps: dict[int, float] | None = None) -> None:
        self.last_id = last_id
        self.gaps: dict[int, float] = gaps or {}  # id → when it was first missed

    @classmethod
    def at_end(cls) -> EventCursor:
        """Positioned after the newest event; recent ids not yet visible count as gaps."""
        last = Event.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        seen = set(Event.objects.filter(pk__gt=last - START_WINDOW).values_list("pk", flat=True))
        now = time.monotonic()
        gaps = {i: now for i in range(max(1, last - START_WINDOW + 1), last) if i not in seen}
        return cls(last, gaps)

    def read(self, *, fields: tuple[str, ...], limit: int = 500) -> list[dict[str, Any]]:
        """Rows not returned before, in id order: late commits first, then new ones."""
        q = Q(pk__gt=self.last_id)
        if self.gaps:
            q |= Q(pk__in=list(self.gaps))
        rows = list(Event.objects.filter(q).order_by("pk").values("pk", *fields)[:limit])
        now = time.monotonic()
        for row in rows:
            self.gaps.pop(row["pk"], None)
        fresh = [r["pk"] for r in rows if r["pk"] > self.last_id]
        if fresh:
            present = set(fresh)
            for missing in range(self.last_id + 1, fresh[-1]):
                if missing not in present:
                    self.gaps[missing] = now
            self.last_id = fresh[-1]
        expired = [i for i, since in self.gaps.items() if now - since > GAP_TTL]
        for i in expired:
            del self.gaps[i]
        if len(self.gaps) > MAX_GAPS:
            for i in sorted(self.gaps)[: len(self.gaps) - MAX_GAPS]:
                del self.gaps[i]
        return rows
