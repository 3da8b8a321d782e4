"""Every error is JSON ``{"error": {"code", "message", "details"}}`` with a 4xx status;
bad input never becomes a 500."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import (
    ObjectDoesNotExist,
    PermissionDenied,
    RequestDataTooBig,
    ValidationError,
)
from django.db import DataError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, Throttled
from ninja.errors import ValidationError as RequestValidationError


def error(api: NinjaAPI, request: HttpRequest, status: int, code: str, message: str,
          details: Any = None) -> HttpResponse:
    return api.create_response(
        request, {"error": {"code": code, "message": message, "details": details}},
        status=status)


def _jsonable(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for e in errors:
        item = {k: v for k, v in e.items() if k in ("type", "loc", "msg")}
        item["loc"] = [str(part) for part in item.get("loc", [])]
        out.append(item)
    return out


def install(api: NinjaAPI) -> None:
    @api.exception_handler(RequestValidationError)
    def request_invalid(request: HttpRequest, exc: RequestValidationError) -> HttpResponse:
        return error(api, request, 422, "invalid_request", _("The request is not valid."),
                     _jsonable(exc.errors))

    @api.exception_handler(ValidationError)
    def domain_invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        code = getattr(exc, "code", None) or "invalid"
        if hasattr(exc, "error_dict"):
            details: Any = exc.message_dict
        else:
            details = None
            for inner in getattr(exc, "error_list", []):
                code = getattr(inner, "code", None) or code
        status = 409 if code == "ticket_changed" else 400  # rests on a stale view
        return error(api, request, status, code, "; ".join(exc.messages), details)

    @api.exception_handler(RequestDataTooBig)
    def too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
        return error(api, request, 413, "too_large", _("The request body is too large."))

    @api.exception_handler(PermissionDenied)
    def forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return error(api, request, 403, "forbidden",
                     str(exc) or _("You are not allowed to do this."))

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
        return error(api, request, 404, "not_found", str(exc) or _("Not found."))

    @api.exception_handler(ObjectDoesNotExist)
    def missing(request: HttpRequest, exc: Exception) -> HttpResponse:
        return error(api, request, 404, "not_found", _("Not found."))

    @api.exception_handler(DataError)
    def data_error(request: HttpRequest, exc: DataError) -> HttpResponse:
        # The database refused a value (out of range, a NUL byte…): the caller's input.
        return error(api, request, 400, "invalid_value", _("A value is out of range or "
                                                          "contains characters that cannot "
                                                          "be stored."))

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return error(api, request, 401, "unauthorized",
                     _("Send a valid token: Authorization: Bearer <token>."))

    @api.exception_handler(Throttled)
    def throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
        return error(api, request, 429, "rate_limited", _("Too many requests; slow down."))

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        return error(api, request, exc.status_code, "http_error", str(exc))
