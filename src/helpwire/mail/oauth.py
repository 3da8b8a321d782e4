"""OAuth2 sign-in (SASL XOAUTH2) for mailboxes at Microsoft 365 and Google Workspace.

An admin registers Helpwire as an app at the provider, enters its client id and secret on
the mailbox, and signs in once through the provider's consent page (authorization code
flow, ``workspace.views.mailbox_oauth``). The refresh token is kept encrypted; access
tokens are fetched when needed and cached (encrypted) until shortly before they expire.
IMAP (``imap.connect``) and SMTP (``connector.open_smtp``) then log in with XOAUTH2.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from helpwire.mail import crypto
from helpwire.mail.models import Mailbox


@dataclass(frozen=True)
class Provider:
    authorize_url: str
    token_url: str
    scope: str
    extra: tuple[tuple[str, str], ...] = ()


PROVIDERS = {
    "google": Provider(
        authorize_url="https://accounts.google.com/o/oauth2/v2/auth",
        token_url="https://oauth2.googleapis.com/token",  # noqa: S106 — a URL
        scope="https://mail.google.com/",
        # Without these Google grants no refresh token on a second consent.
        extra=(("access_type", "offline"), ("prompt", "consent"))),
    "microsoft": Provider(
        authorize_url="https://login.microsoftonline.com/{tenant}/oauth2/v2.0/authorize",
        token_url="https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token",  # noqa: S106
        scope="offline_access https://outlook.office.com/IMAP.AccessAsUser.All "
              "https://outlook.office.com/SMTP.Send"),
}


class OAuthError(Exception):
    """The provider refused (its own error text), or cannot be reached."""


def provider(mailbox: Mailbox) -> Provider:
    """The mailbox's provider; explicit URLs (another provider, or a test's) win."""
    base = PROVIDERS.get(mailbox.oauth_provider)
    tenant = mailbox.oauth_tenant or "common"
    return Provider(
        authorize_url=mailbox.oauth_authorize_url or (
            base.authorize_url.format(tenant=tenant) if base else ""),
        token_url=mailbox.oauth_token_url or (base.token_url.format(tenant=tenant)
                                              if base else ""),
        scope=mailbox.oauth_scope or (base.scope if base else ""),
        extra=base.extra if base else ())


def authorize_url(mailbox: Mailbox, *, state: str, redirect_uri: str) -> str:
    p = provider(mailbox)
    query = {"response_type": "code", "client_id": mailbox.oauth_client_id,
             "redirect_uri": redirect_uri, "scope": p.scope, "state": state, **dict(p.extra),
             "login_hint": mailbox.imap_user or mailbox.address}
    return f"{p.authorize_url}?{urllib.parse.urlencode(query)}"


def _post(url: str, fields: dict[str, str]) -> dict[str, object]:
    if not url.startswith(("https://", "http://")):
        raise OAuthError(f"no token URL for this mailbox ({url!r})")
    # The scheme is checked above: http(s) only.
    request = urllib.request.Request(  # noqa: S310
        url, data=urllib.parse.urlencode(fields).encode(),
        headers={"Accept": "application/json"})
    try:
        # The scheme is checked above: http(s) only.
        with urllib.request.urlopen(  # noqa: S310
                request, timeout=settings.HELPWIRE_MAIL_TIMEOUT) as r:
            return dict(json.loads(r.read().decode()))
    except urllib.error.HTTPError as exc:
        body = exc.read().decode("utf-8", "replace")[:500]
        raise OAuthError(f"{exc.code} {body}") from exc
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise OAuthError(str(exc)) from exc


def _store(mailbox: Mailbox, answer: dict[str, object]) -> str:
    access = str(answer.get("access_token") or "")
    if not access:
        raise OAuthError(f"no access token in the answer: {sorted(answer)}")
    lifetime = int(answer.get("expires_in") or 3600)  # type: ignore[call-overload]
    mailbox.oauth_access = crypto.encrypt(access)
    mailbox.oauth_expires_at = timezone.now() + timedelta(seconds=lifetime)
    if answer.get("refresh_token"):
        mailbox.oauth_refresh = crypto.encrypt(str(answer["refresh_token"]))
    mailbox.save(update_fields=["oauth_access", "oauth_expires_at", "oauth_refresh"])
    return access


def exchange_code(mailbox: Mailbox, *, code: str, redirect_uri: str) -> None:
    """The consent page's code → tokens, kept on the mailbox (which now signs in so)."""
    answer = _post(provider(mailbox).token_url, {
        "grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri,
        "client_id": mailbox.oauth_client_id,
        "client_secret": crypto.decrypt(mailbox.oauth_client_secret)})
    if not answer.get("refresh_token"):
        raise OAuthError("the provider granted no refresh token (offline access)")
    _store(mailbox, answer)
    Mailbox.objects.filter(pk=mailbox.pk).update(auth="oauth2", failures=0, last_error="")


def access_token(mailbox: Mailbox) -> str:
    """A live access token: the cached one, or a fresh one from the refresh token (one
    refresh at a time per mailbox: the row is locked while it happens)."""
    soon = timezone.now() + timedelta(seconds=60)
    if mailbox.oauth_access and mailbox.oauth_expires_at and mailbox.oauth_expires_at > soon:
        return crypto.decrypt(mailbox.oauth_access)
    with transaction.atomic():
        box = Mailbox.objects.select_for_update().get(pk=mailbox.pk)
        if box.oauth_access and box.oauth_expires_at and box.oauth_expires_at > soon:
            return crypto.decrypt(box.oauth_access)  # another worker just refreshed
        refresh = crypto.decrypt(box.oauth_refresh)
        if not refresh:
            raise OAuthError("not signed in: sign in with the provider in the mailbox settings")
        p = provider(box)
        fields = {"grant_type": "refresh_token", "refresh_token": refresh,
                  "client_id": box.oauth_client_id,
                  "client_secret": crypto.decrypt(box.oauth_client_secret)}
        if box.oauth_provider == "microsoft":
            fields["scope"] = p.scope
        token = _store(box, _post(p.token_url, fields))
    mailbox.refresh_from_db(fields=["oauth_access", "oauth_expires_at", "oauth_refresh"])
    return token


def sasl(user: str, token: str) -> str:
    """The XOAUTH2 initial response (before base64, which the protocol libraries add)."""
    return f"user={user}\x01auth=Bearer {token}\x01\x01"
