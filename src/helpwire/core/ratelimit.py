"""Rate limits on the cache for login and password reset (CHECKLIST 13).

Logins slow down rather than lock: every failed attempt for an address or from an IP makes
the next one wait longer (1 s, 2 s, 4 s… up to 15 minutes), so guessing is slow while the
real person, who succeeds at his first try after the wait, is never locked out for long.
"""

from __future__ import annotations

import hashlib
import time

from django.conf import settings
from django.core.cache import cache

MAX_DELAY = 900  # seconds


def _key(scope: str, key: str) -> str:
    return f"rl:{scope}:{hashlib.sha256(key.encode()).hexdigest()[:32]}"


def too_many(*, scope: str, key: str, limit: int, window: int) -> bool:
    """Count one attempt; True when this key has gone over ``limit`` in ``window`` seconds."""
    cache_key = _key(scope, key)
    cache.add(cache_key, 0, timeout=window)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.set(cache_key, 1, timeout=window)
        count = 1
    return count > limit


def wait_left(*, scope: str, key: str) -> int:
    """Seconds until the next attempt for this key is allowed (0: go ahead)."""
    state = cache.get(_key(scope, key))
    if not state:
        return 0
    return max(0, int(state["until"] - time.time()))


def failed(*, scope: str, key: str, free: int = 3) -> None:
    """One more failure: after ``free`` failures each one doubles the wait."""
    cache_key = _key(scope, key)
    state = cache.get(cache_key) or {"failures": 0, "until": 0.0}
    state["failures"] += 1
    over = state["failures"] - free
    delay = min(MAX_DELAY, 2 ** (over - 1)) if over > 0 else 0
    state["until"] = time.time() + delay
    cache.set(cache_key, state, timeout=max(delay, 1) + 24 * 3600)


def succeeded(*, scope: str, key: str) -> None:
    cache.delete(_key(scope, key))


def client_ip(request: object) -> str:
    """The client's address. Behind a reverse proxy the web server rewrites it from
    ``X-Forwarded-For`` — only for the proxies listed in HELPWIRE_TRUSTED_PROXIES (see
    ``helpwire web``), so nobody else can pick the address the limits count."""
    meta = getattr(request, "META", {})
    return str(meta.get("REMOTE_ADDR", ""))


def trusted_proxies() -> list[str]:
    return list(settings.HELPWIRE_TRUSTED_PROXIES)
