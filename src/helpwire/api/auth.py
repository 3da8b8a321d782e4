"""Who is calling: a bearer token (hashed at rest) or the logged-in session; and how often."""

from __future__ import annotations

import hashlib
from typing import Any

from django.conf import settings
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
    """A rate per token (or per session agent), answered with 429 and Retry-After."""

    scope = "api"

    def __init__(self) -> None:
        super().__init__(settings.HELPWIRE_API_RATE)

    def allow_request(self, request: HttpRequest) -> bool:
        # Read the setting each time so operators (and tests) can change it live.
        if self.rate != settings.HELPWIRE_API_RATE:
            self.rate = settings.HELPWIRE_API_RATE
            self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request)

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
