"""A fixed-window limiter on the cache, for login and password reset (CHECKLIST 13)."""

from __future__ import annotations

import hashlib

from django.core.cache import cache


def too_many(*, scope: str, key: str, limit: int, window: int) -> bool:
    """Count one attempt; True when this key has gone over ``limit`` in ``window`` seconds."""
    cache_key = f"rl:{scope}:{hashlib.sha256(key.encode()).hexdigest()[:32]}"
    cache.add(cache_key, 0, timeout=window)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.set(cache_key, 1, timeout=window)
        count = 1
    return count > limit


def client_ip(request: object) -> str:
    meta = getattr(request, "META", {})
    return str(meta.get("REMOTE_ADDR", ""))
