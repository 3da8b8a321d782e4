"""What every workspace view shares: who is looking, and full page vs. htmx partial."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render

from helpwire.accounts import permissions
from helpwire.accounts.models import Agent
from helpwire.core.actors import Actor

View = Callable[..., HttpResponseBase]


def agent_view(perm: str | None = None) -> Callable[[View], View]:
    """Log in first; then, if ``perm`` is given, the one permission check must agree."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            user = request.user
            if not isinstance(user, Agent) or not user.is_active:
                return redirect_to_login(request.get_full_path())
            if perm is not None:
                permissions.require(user, perm)
            return view(request, *args, **kwargs)

        return wrapper

    return decorate


def viewer(request: HttpRequest) -> Agent:
    assert isinstance(request.user, Agent)
    return request.user


def actor(request: HttpRequest) -> Actor:
    return Actor.of_agent(viewer(request))


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def form_problems(*forms: Any) -> str:
    """Every error of these forms, as one line a person can read."""
    return "; ".join(str(m) for f in forms for errors in f.errors.values() for m in errors)


def error_text(exc: ValidationError | PermissionDenied) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(exc.messages)
    return str(exc)


def page(request: HttpRequest, template: str, context: dict[str, Any],
         status: int = 200) -> HttpResponse:
    return render(request, template, context, status=status)
