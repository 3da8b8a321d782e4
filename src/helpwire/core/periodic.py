"""Housekeeping jobs the scheduler loop runs every so often (outbox sweep, counter roll-up,
stuck deliveries, orphan files…). Apps register their own; core knows none of them.

Every job must be safe with several schedulers running at once: each claims its rows with
``SKIP LOCKED`` or a conditional update, so running a job twice does no harm.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

logger = logging.getLogger("helpwire.scheduler")


@dataclass
class Job:
    name: str
    every: float  # seconds
    func: Callable[[], object]
    last_run: float | None = None


_jobs: dict[str, Job] = {}


def every(seconds: float, *, name: str | None = None) -> Callable[[Callable[[], object]],
                                                                   Callable[[], object]]:
    def register(func: Callable[[], object]) -> Callable[[], object]:
        key = name or f"{func.__module__}.{func.__qualname__}"
        _jobs[key] = Job(name=key, every=seconds, func=func)
        return func

    return register


def run_due(*, force: bool = False) -> int:
    """Run the jobs whose interval has passed (all of them with ``force``); a failing job is
    logged and does not stop the others."""
    ran = 0
    for job in list(_jobs.values()):
        now = time.monotonic()
        if not force and job.last_run is not None and now - job.last_run < job.every:
            continue
        job.last_run = now
        try:
            job.func()
        except Exception:
            logger.exception("scheduled job %s failed", job.name)
        ran += 1
    return ran


def jobs() -> list[Job]:
    return list(_jobs.values())
