"""The OAuth2 test servers work: XOAUTH2 really crosses Dovecot's IMAP and submission ports,
with tokens from the local provider (tests/mail/oauth_servers.py)."""

from __future__ import annotations

import imaplib
import json
import smtplib
import urllib.error
import urllib.request
from email.message import EmailMessage
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from tests.mail.oauth_servers import (
    CLIENT_ID,
    CLIENT_SECRET,
    DovecotOAuthServer,
    OAuthMailUser,
    OAuthProvider,
    RelayCapture,
    smtp_xoauth2,
)

RAW = b"From: maria@example.ru\r\nSubject: Hello\r\nMessage-ID: <o1@example.ru>\r\n\r\nHi\r\n"
REDIRECT_URI = "http://127.0.0.1:9/oauth/callback"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any) -> None:
        return None  # the 302 itself is what the test looks at (urllib raises HTTPError)


def call(provider: OAuthProvider, path: str, form: dict[str, str] | None = None,
         query: dict[str, str] | None = None) -> tuple[int, dict[str, Any], Any]:
    """(status, JSON body, headers) of a POST with `form`, or a GET with `query`."""
    url = provider.base_url + path + ("?" + urlencode(query) if query else "")
    data = urlencode(form).encode() if form is not None else None
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(url, data=data, timeout=5) as response:
            return response.status, json.load(response), response.headers
    except urllib.error.HTTPError as error:
        with error:
            return error.code, json.loads(error.read() or b"{}"), error.headers


def token_form(**fields: str) -> dict[str, str]:
    return {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, **fields}


def imap_fails(server: DovecotOAuthServer, login: str, token: str) -> None:
    with (pytest.raises(imaplib.IMAP4.error, match="AUTHENTICATIONFAILED"),
          server.connect_oauth(login, token)):
        pass


def test_it_signs_in_to_imap_with_a_provider_token(dovecot_oauth: DovecotOAuthServer,
                                                  oauth_mail_user: OAuthMailUser):
    user, provider = oauth_mail_user, dovecot_oauth.provider
    uid = dovecot_oauth.append(user.login, RAW)  # with the password: PLAIN still works
    asked = provider.introspections
    with dovecot_oauth.connect_oauth(user.login, user.access_token) as conn:
        assert conn.select("INBOX", readonly=True)[0] == "OK"
        assert conn.uid("SEARCH", "ALL")[1] == [str(uid).encode()]
    assert provider.introspections == asked + 1  # Dovecot did ask the provider

    # A live token of someone else is no good for this login.
    other_token, _ = provider.issue(dovecot_oauth.new_user().login)
    imap_fails(dovecot_oauth, user.login, other_token)


def test_it_refuses_garbage_and_expired_tokens(dovecot_oauth: DovecotOAuthServer,
                                               oauth_mail_user: OAuthMailUser):
    imap_fails(dovecot_oauth, oauth_mail_user.login, "garbage")
    dovecot_oauth.provider.expire_access_tokens()
    imap_fails(dovecot_oauth, oauth_mail_user.login, oauth_mail_user.access_token)


def test_it_refreshes_tokens(dovecot_oauth: DovecotOAuthServer, oauth_mail_user: OAuthMailUser,
                             oauth_provider: OAuthProvider, monkeypatch: pytest.MonkeyPatch):
    user = oauth_mail_user
    oauth_provider.expire_access_tokens()
    before = oauth_provider.refresh_requests
    status, body, _ = call(oauth_provider, "/token", token_form(
        grant_type="refresh_token", refresh_token=user.refresh_token))
    assert status == 200, body
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600
    assert body["refresh_token"] == user.refresh_token  # kept unless rotate_refresh
    assert oauth_provider.refresh_requests == before + 1
    with dovecot_oauth.connect_oauth(user.login, body["access_token"]) as conn:
        assert conn.select("INBOX")[0] == "OK"
    imap_fails(dovecot_oauth, user.login, user.access_token)

    assert call(oauth_provider, "/token", {**token_form(client_secret="wrong"),
                "grant_type": "refresh_token", "refresh_token": user.refresh_token})[:2] == (
        401, {"error": "invalid_client"})

    monkeypatch.setattr(oauth_provider, "rotate_refresh", True)
    status, rotated, _ = call(oauth_provider, "/token", token_form(
        grant_type="refresh_token", refresh_token=user.refresh_token))
    assert status == 200 and rotated["refresh_token"] != user.refresh_token
    assert call(oauth_provider, "/token", token_form(
        grant_type="refresh_token", refresh_token=user.refresh_token))[:2] == (
        400, {"error": "invalid_grant"})


def test_it_submits_mail_over_smtp_with_xoauth2(dovecot_oauth: DovecotOAuthServer,
                                               oauth_mail_user: OAuthMailUser,
                                               oauth_relay: RelayCapture):
    oauth_relay.clear()
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = oauth_mail_user.login, "maria@example.ru", "Ответ"
    msg.set_content("Здравствуйте! Ваше обращение принято.")
    with dovecot_oauth.submission() as client:
        with pytest.raises(smtplib.SMTPAuthenticationError) as refused:
            smtp_xoauth2(client, oauth_mail_user.login, "garbage")
        assert refused.value.smtp_code == 535
        assert smtp_xoauth2(client, oauth_mail_user.login, oauth_mail_user.access_token)[0] == 235
        client.send_message(msg)
    [captured] = oauth_relay.wait_for(1)
    assert captured.mail_from == oauth_mail_user.login
    assert captured.rcpt_tos == ["maria@example.ru"]
    assert captured.message["Subject"] == "Ответ"
    assert "Ваше обращение принято" in captured.message.get_content()


def test_it_runs_the_authorization_code_flow(dovecot_oauth: DovecotOAuthServer,
                                            oauth_provider: OAuthProvider,
                                            monkeypatch: pytest.MonkeyPatch):
    login = dovecot_oauth.new_user().login
    monkeypatch.setattr(oauth_provider, "next_username", login)
    query = {"response_type": "code", "client_id": CLIENT_ID, "redirect_uri": REDIRECT_URI,
             "scope": "IMAP SMTP offline_access", "state": "st-42"}
    status, _, headers = call(oauth_provider, "/authorize", query=query)
    assert status == 302
    location = urlsplit(headers["Location"])
    assert location._replace(query="").geturl() == REDIRECT_URI
    params = {k: v for k, [v] in parse_qs(location.query).items()}
    assert params.keys() == {"code", "state"} and params["state"] == "st-42"

    form = token_form(grant_type="authorization_code", code=params["code"],
                      redirect_uri=REDIRECT_URI)
    before = oauth_provider.token_requests
    status, body, _ = call(oauth_provider, "/token", form)
    assert status == 200, body
    assert body["scope"] == "IMAP SMTP offline_access" and body["refresh_token"]
    assert oauth_provider.token_requests == before + 1
    with dovecot_oauth.connect_oauth(login, body["access_token"]) as conn:
        assert conn.select("INBOX")[0] == "OK"
    assert call(oauth_provider, "/token", form)[:2] == (400, {"error": "invalid_grant"})

    # An unknown client gets no redirect; a user who declines is sent back with an error.
    assert call(oauth_provider, "/authorize", query={**query, "client_id": "nobody"})[0] == 400
    monkeypatch.setattr(oauth_provider, "next_username", None)
    status, _, headers = call(oauth_provider, "/authorize", query=query)
    assert status == 302 and "error=access_denied&state=st-42" in headers["Location"]
