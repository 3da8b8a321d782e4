"""Value buckets of the durations' spread (``Spread``): log-spaced, each about 5 % wider than
the one before, over whole seconds (the first ones hold one second each). Bucket 0 holds
0; bucket ``b`` holds the values from ``BOUNDS[b - 1]`` up to, not including,
``BOUNDS[b]``. Narrow enough that a year of a million tickets keeps ~2 % of its values in
the bucket of the median; changing the ratio needs `helpwire reports rebuild` (until then
the medians read every value)."""

from __future__ import annotations

import bisect

_RATIO = 1.05
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


def only(bucket: int) -> int | None:
    """The one value a bucket can hold (durations are never negative), or None."""
    low, high = span(bucket)
    return 0 if bucket == 0 else low if high - low == 1 else None


def span(bucket: int) -> tuple[int, int]:
    """The values of a bucket: ``low <= value < high``."""
    return (BOUNDS[bucket - 1] if bucket else -_LIMIT), BOUNDS[bucket]
