"""Who is calling: a bearer token (hashed at rest) or the logged-in session; and how often."""

from __future__ import annotations

import hashlib
import threading
import time
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth
from ninja.throttling import SimpleRateThrottle

from helpwire.accounts.models import Agent, ApiToken


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Agent | None:
        return ApiToken.authenticate(token)


class AgentSessionAuth(SessionAuth):
    """The workspace's own session (CSRF-checked on writes)."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Agent | None:
        user = getattr(request, "user", None)
        if isinstance(user, Agent) and user.is_active:
            return user
        return None


class PerCallerThrottle(SimpleRateThrottle):
    """A rate per token (or per session agent), answered with 429 and Retry-After.

    Counted in two cache counters — this window and the one before, weighted by how much
    of it still overlaps the last ``duration`` seconds — rather than ninja's list of every
    request's time, which is unpickled and pickled again on each call (600 floats at the
    default rate; a benchmark's lifted limit made it the API's biggest cost)."""

    scope = "api"

    def __init__(self) -> None:
        super().__init__(settings.HELPWIRE_API_RATE)
        self._local = threading.local()

    def allow_request(self, request: HttpRequest) -> bool:
        # Read the setting each time so operators (and tests) can change it live.
        if self.rate != settings.HELPWIRE_API_RATE:
            self.rate = settings.HELPWIRE_API_RATE
            self.num_requests, self.duration = self.parse_rate(self.rate)
        key = self.get_cache_key(request)
        if key is None or not self.num_requests or not self.duration:
            return True
        now = time.time()
        window, into = divmod(now, self.duration)
        current = f"{key}:{int(window)}"
        try:
            count = cache.incr(current)
        except ValueError:  # the window's first request (or its counter expired)
            if cache.add(current, 1, timeout=2 * self.duration + 1):
                count = 1
            else:
                count = cache.incr(current)
        before = cache.get(f"{key}:{int(window) - 1}") or 0
        weight = 1 - into / self.duration
        if count + before * weight <= self.num_requests:
            return True
        cache.decr(current)  # a refused request is not counted against the caller
        # Retry once enough of the earlier window has slid out, at the latest next window.
        self._local.wait = self.duration - into if not before else min(
            self.duration - into, max(1.0, (count + before * weight - self.num_requests)
                                      / before * self.duration))
        return False

    def wait(self) -> float | None:
        return getattr(self._local, "wait", None)

    def get_cache_key(self, request: HttpRequest) -> str | None:
        header = request.headers.get("Authorization", "")
        if header.lower().startswith("bearer "):
            ident = hashlib.sha256(header[7:].strip().encode()).hexdigest()[:32]
        else:
            user: Any = getattr(request, "user", None)
            ident = f"s{user.pk}" if user is not None and user.is_authenticated else (
                f"ip{self.get_ident(request)}")
        return self.cache_format % {"scope": self.scope, "ident": ident}


def agent_of(request: HttpRequest) -> Agent:
    auth: Any = request.auth  # type: ignore[attr-defined]
    assert isinstance(auth, Agent)
    return auth
