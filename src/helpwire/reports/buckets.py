"""Value buckets of the durations' spread (``Spread``): log-spaced, each about a fifth wider
than the one before, over whole seconds. Bucket 0 holds 0; bucket ``b`` holds the values
from ``BOUNDS[b - 1]`` up to, not including, ``BOUNDS[b]``."""

from __future__ import annotations

import bisect

_RATIO = 1.2
_LIMIT = 2**62  # above any duration in seconds


def _bounds() -> tuple[int, ...]:
    bounds: list[int] = [1]
    step = 1.0
    while bounds[-1] < 10**10:  # three centuries: the last bucket is open-ended anyway
        step *= _RATIO
        if int(step) > bounds[-1]:
            bounds.append(int(step))
    return (*bounds, _LIMIT)


BOUNDS = _bounds()


def of(value: int) -> int:
    """The bucket of a duration (negative ones, which no clock gives, count as 0)."""
    return bisect.bisect_right(BOUNDS, value)


def span(bucket: int) -> tuple[int, int]:
    """The values of a bucket: ``low <= value < high``."""
    return (BOUNDS[bucket - 1] if bucket else -_LIMIT), BOUNDS[bucket]
