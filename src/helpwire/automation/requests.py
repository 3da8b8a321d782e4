"""Delivering rules' HTTP requests [AU8]: queued in the rule's transaction, sent by a task
after commit, never inline.

A request is claimed by a conditional update (``queued`` → ``sending`` with a claim
deadline), sent outside any transaction (a 10 s call must not hold SQLite's write lock or a
PostgreSQL row lock), and settled: 2xx sent; 5xx, 429, timeouts and connection errors
retried with exponential backoff and jitter (``Retry-After`` honoured, up to an hour) until
``MAX_ATTEMPTS``; other 4xx failed at once; an address that is not public refused. A worker
that dies mid-call leaves a claim that the sweep hands back out after its deadline — at least
once, with the same ``X-Helpwire-Event-Id``.

Circuit breaker per host: ``BREAKER_AFTER`` failures in a row open it for ``BREAKER_OPEN``;
requests to it wait (their next attempt moves to when it closes) and admins are told once.
"""

from __future__ import annotations

import http.client
import logging
import random
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from helpwire.accounts.models import Notification
from helpwire.accounts.notify import notify_admins
from helpwire.automation import webhooks
from helpwire.automation.models import HttpTarget, OutboundRequest, RequestState, Rule
from helpwire.core import periodic
from helpwire.mail import crypto

logger = logging.getLogger("helpwire.rules")

MAX_ATTEMPTS = 6
CLAIM = timedelta(seconds=60)
BREAKER_AFTER = 5
BREAKER_OPEN = timedelta(minutes=10)
MAX_RETRY_AFTER = timedelta(hours=1)
SWEEP_BATCH = 100


def queue(*, rule: Rule, ticket_id: int | None, method: str, url: str,
          headers: dict[str, str], body: str) -> OutboundRequest:
    """Store the request in the caller's transaction; the task is enqueued after commit."""
    request = OutboundRequest.objects.create(
        rule=rule, rule_name=rule.name, ticket_id=ticket_id, method=method, url=url,
        headers=headers, body=body, next_attempt_at=timezone.now())
    transaction.on_commit(lambda: send_request.enqueue(request.pk))
    return request


def backoff(attempt: int) -> timedelta:
    """30 s, 1 min, 2 min, 4 min… with up to a quarter of jitter, so retries spread out."""
    base = 30 * 2 ** max(0, attempt - 1)
    return timedelta(seconds=base + random.uniform(0, base / 4))


def retry_after(value: str | None, *, now: datetime) -> timedelta | None:
    if not value:
        return None
    value = value.strip()
    try:
        wait = timedelta(seconds=int(value))
    except ValueError:
        try:
            wait = parsedate_to_datetime(value) - now
        except (TypeError, ValueError):
            return None
    return max(timedelta(0), min(wait, MAX_RETRY_AFTER))


def _claim(pk: int, now: datetime) -> OutboundRequest | None:
    claimed = OutboundRequest.objects.filter(
        pk=pk, state=RequestState.QUEUED, next_attempt_at__lte=now).update(
        state=RequestState.SENDING, claimed_until=now + CLAIM)
    return OutboundRequest.objects.filter(pk=pk).first() if claimed else None


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def _signed_headers(request: OutboundRequest, body: bytes, now: datetime) -> dict[str, str]:
    headers = dict(request.headers)
    headers.setdefault("User-Agent", "Helpwire")
    headers["X-Helpwire-Event-Id"] = str(request.event_id)
    secrets = (Rule.objects.filter(pk=request.rule_id).values_list("secrets", flat=True)
               .first() or []) if request.rule_id else []
    if secrets:
        values = [crypto.decrypt(s["value"]) for s in secrets]
        headers["X-Helpwire-Signature"] = webhooks.signature(body, values,
                                                             at=int(now.timestamp()))
    return headers


@task()
def send_request(pk: int) -> str:
    return deliver(pk)


def deliver(pk: int, *, now: datetime | None = None,
            resolver: webhooks.Resolver = webhooks.resolve) -> str:
    """Claim, send and settle one request; returns its state afterwards."""
    now = now or timezone.now()
    request = _claim(pk, now)
    if request is None:
        return "not due"
    host = _host(request.url)
    target, _created = HttpTarget.objects.get_or_create(host=host)
    if target.open_until is not None and target.open_until > now:
        _settle(request, state=RequestState.QUEUED, next_attempt_at=target.open_until,
                error=_("The target is paused after repeated failures."))
        return RequestState.QUEUED
    body = request.body.encode()
    try:
        answer = webhooks.call(method=request.method, url=request.url, body=body,
                               headers=_signed_headers(request, body, now), resolver=resolver)
    except webhooks.Refused as e:
        _settle(request, state=RequestState.REFUSED, error=str(e), attempted=True)
        return RequestState.REFUSED
    except (OSError, http.client.HTTPException) as e:
        return _failed(request, target, now, error=f"{type(e).__name__}: {e}", wait=None)
    text = answer.body.decode("utf-8", "replace")
    if 200 <= answer.status < 300:
        HttpTarget.objects.filter(pk=target.pk).update(failures=0, open_until=None)
        _settle(request, state=RequestState.SENT, status=answer.status, response=text,
                attempted=True, sent_at=timezone.now())
        return RequestState.SENT
    if answer.status >= 500 or answer.status == 429:
        wait = retry_after(answer.headers.get("Retry-After"), now=now)
        return _failed(request, target, now, error=f"HTTP {answer.status}", wait=wait,
                       status=answer.status, response=text)
    _settle(request, state=RequestState.FAILED, status=answer.status, response=text,
            error=f"HTTP {answer.status}", attempted=True)
    return RequestState.FAILED


def _failed(request: OutboundRequest, target: HttpTarget, now: datetime, *, error: str,
            wait: timedelta | None, status: int | None = None, response: str = "") -> str:
    attempts = request.attempts + 1
    gave_up = attempts >= MAX_ATTEMPTS
    _settle(request, state=RequestState.FAILED if gave_up else RequestState.QUEUED,
            next_attempt_at=None if gave_up else now + (wait or backoff(attempts)),
            error=error, status=status, response=response, attempted=True)
    _count_failure(target, now, error)
    return RequestState.FAILED if gave_up else RequestState.QUEUED


def _count_failure(target: HttpTarget, now: datetime, error: str) -> None:
    HttpTarget.objects.filter(pk=target.pk).update(failures=F("failures") + 1,
                                                   last_error=error[:2000])
    # Opening is a conditional update: with several workers exactly one opens it and tells.
    opened = HttpTarget.objects.filter(
        pk=target.pk, failures__gte=BREAKER_AFTER).exclude(open_until__gt=now).update(
        open_until=now + BREAKER_OPEN, failures=0)
    if opened:
        logger.warning("HTTP target %s paused after %s failures: %s", target.host,
                       BREAKER_AFTER, error)
        notify_admins(kind=Notification.Kind.RULE, email=False, text=lambda: _(
            "Rules' HTTP requests to %(host)s are paused for %(minutes)s minutes after "
            "%(count)s failures in a row (%(error)s).") % {
            "host": target.host, "minutes": int(BREAKER_OPEN.total_seconds() // 60),
            "count": BREAKER_AFTER, "error": error[:200]})


def _settle(request: OutboundRequest, *, state: str, error: str = "", status: int | None = None,
            response: str = "", next_attempt_at: datetime | None = None,
            attempted: bool = False, sent_at: datetime | None = None) -> None:
    values: dict[str, Any] = {"state": state, "claimed_until": None,
                              "next_attempt_at": next_attempt_at, "last_error": error[:2000]}
    if attempted:
        values["attempts"] = F("attempts") + 1
    if status is not None:
        values["last_status"] = status
    if response:
        values["response"] = response[:webhooks.MAX_RESPONSE]
    if sent_at is not None:
        values["sent_at"] = sent_at
    OutboundRequest.objects.filter(pk=request.pk, state=RequestState.SENDING).update(**values)


@periodic.every(5, name="automation.requests.sweep")
def sweep(*, now: datetime | None = None) -> int:
    """Hand out due retries, and requests whose sender died (claim expired)."""
    now = now or timezone.now()
    OutboundRequest.objects.filter(state=RequestState.SENDING, claimed_until__lt=now).update(
        state=RequestState.QUEUED, claimed_until=None, next_attempt_at=now)
    due = list(OutboundRequest.objects.filter(state=RequestState.QUEUED, next_attempt_at__lte=now)
               .order_by("next_attempt_at").values_list("pk", flat=True)[:SWEEP_BATCH])
    for pk in due:
        send_request.enqueue(pk)
    return len(due)
