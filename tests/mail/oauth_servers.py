"""OAuth2 (XOAUTH2) sign-in that really crosses IMAP and SMTP in tests: a local authorization
server shaped like Microsoft's/Google's (OAuthProvider), and Dovecot that checks bearer tokens
against it and accepts mail on its submission port (DovecotOAuthServer). tests/mail/conftest.py
starts them: `oauth_provider`, `oauth_relay`, `dovecot_oauth`, `oauth_mail_user`."""

from __future__ import annotations

import base64
import contextlib
import imaplib
import json
import secrets
import smtplib
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, NamedTuple
from urllib.parse import parse_qsl, unquote_plus, urlencode, urlsplit

from tests.mail.servers import HOST, DovecotServer, SmtpCapture, TlsCert, free_port

CLIENT_ID = "helpwire-test-client"
CLIENT_SECRET = "helpwire-test-secret"
DEFAULT_SCOPE = "https://mail.example/IMAP https://mail.example/SMTP offline_access"

Reply = tuple[int, dict[str, Any], dict[str, str]]  # status, JSON body, extra headers


def xoauth2(login: str, token: str) -> str:
    """The XOAUTH2 SASL message, not yet base64-encoded (imaplib and smtplib encode it)."""
    return f"user={login}\x01auth=Bearer {token}\x01\x01"


def imap_xoauth2(conn: imaplib.IMAP4, login: str, token: str) -> tuple[str, Any]:
    """AUTHENTICATE XOAUTH2. imaplib calls the callback for every "+" continuation: the first
    is empty; on a bad token the server sends a JSON error as a second one, which must be
    answered with an empty line before its NO [AUTHENTICATIONFAILED] (imaplib raises)."""
    raw = xoauth2(login, token).encode()
    return conn.authenticate("XOAUTH2", lambda challenge: b"" if challenge else raw)


def smtp_xoauth2(client: smtplib.SMTP, login: str, token: str) -> tuple[int, bytes]:
    """AUTH XOAUTH2 with the token as initial response: smtplib calls the callback once with
    no argument for it, then with each 334 challenge (the JSON error of a refused token),
    which gets an empty answer so the server ends with 535 (SMTPAuthenticationError)."""
    raw = xoauth2(login, token)
    client.ehlo_or_helo_if_needed()
    return client.auth("XOAUTH2", lambda challenge=None: raw if challenge is None else "",
                       initial_response_ok=True)


# --- The authorization server ---------------------------------------------------------------
@dataclass
class _Grant:  # what an authorization code or a refresh token stands for
    client_id: str
    username: str
    scope: str
    redirect_uri: str = ""


@dataclass
class _Access:
    username: str
    client_id: str
    scope: str
    exp: float


class OAuthProvider:
    """http.server on a free loopback port (`base_url`) with /authorize, /token and
    /introspect (RFC 7662, which Dovecot's oauth2 passdb asks). The "user" consents at once,
    as `next_username`; None means they decline (redirect with error=access_denied).

    Shared by the whole session: a test that changes `access_lifetime` or `rotate_refresh`
    should do it with monkeypatch.setattr so the next test gets the defaults back."""

    def __init__(self, access_lifetime: int = 3600, rotate_refresh: bool = False) -> None:
        self.access_lifetime, self.rotate_refresh = access_lifetime, rotate_refresh
        self.next_username: str | None = None
        self.token_requests = self.refresh_requests = self.introspections = 0
        self._clients: dict[str, str] = {}
        self._codes: dict[str, _Grant] = {}
        self._refresh: dict[str, _Grant] = {}
        self._access: dict[str, _Access] = {}
        # Requests are served in threads; one lock keeps each request's changes whole.
        self._lock = threading.RLock()
        self._http = ThreadingHTTPServer((HOST, 0), _handler(self))
        self._http.daemon_threads = True
        self.host, self.port = HOST, self._http.server_address[1]
        self.base_url = f"http://{HOST}:{self.port}"
        self._thread = threading.Thread(target=self._http.serve_forever, args=(0.05,),
                                        name="oauth-provider", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        if self._thread.is_alive():  # shutdown() waits for serve_forever, forever if not started
            self._http.shutdown()
        self._http.server_close()

    def register_client(self, client_id: str, client_secret: str) -> None:
        with self._lock:
            self._clients[client_id] = client_secret

    def issue(self, username: str, client_id: str = CLIENT_ID,
              scope: str = DEFAULT_SCOPE) -> tuple[str, str]:
        """(access token, refresh token) for `username`, as if they had signed in."""
        with self._lock:
            body = self._tokens(_Grant(client_id, username, scope), refresh=None)
        return body["access_token"], body["refresh_token"]

    def expire_access_tokens(self) -> None:
        """Every access token issued so far stops being active (refresh tokens still work)."""
        with self._lock:
            for access in self._access.values():
                access.exp = 0.0

    def _tokens(self, grant: _Grant, refresh: str | None) -> dict[str, Any]:
        access = secrets.token_urlsafe(24)
        self._access[access] = _Access(grant.username, grant.client_id, grant.scope,
                                       time.time() + self.access_lifetime)
        if refresh is None:
            refresh = secrets.token_urlsafe(24)
            self._refresh[refresh] = _Grant(grant.client_id, grant.username, grant.scope)
        return {"access_token": access, "refresh_token": refresh, "token_type": "Bearer",
                "expires_in": self.access_lifetime, "scope": grant.scope}

    # One method per endpoint; _handler does the HTTP.

    def handle(self, method: str, path: str, query: dict[str, str], form: dict[str, str],
               authorization: str | None) -> Reply:
        with self._lock:
            if (method, path) == ("GET", "/authorize"):
                return self._authorize(query)
            if (method, path) == ("POST", "/token"):
                return self._token(form, authorization)
            if (method, path) == ("POST", "/introspect"):
                return self._introspect(form)
        return 404, {"error": "not_found"}, {}

    def _authorize(self, query: dict[str, str]) -> Reply:
        redirect_uri = query.get("redirect_uri", "")
        if query.get("client_id") not in self._clients:
            return 400, {"error": "invalid_client"}, {}  # shown to the user, never redirected
        if query.get("response_type") != "code" or not redirect_uri:
            return 400, {"error": "invalid_request"}, {}
        params = {"state": query["state"]} if "state" in query else {}
        if self.next_username is None:
            params = {"error": "access_denied", **params}
        else:
            code = secrets.token_urlsafe(16)
            self._codes[code] = _Grant(query["client_id"], self.next_username,
                                       query.get("scope", DEFAULT_SCOPE), redirect_uri)
            params = {"code": code, **params}
        separator = "&" if "?" in redirect_uri else "?"
        return 302, {}, {"Location": redirect_uri + separator + urlencode(params)}

    def _token(self, form: dict[str, str], authorization: str | None) -> Reply:
        self.token_requests += 1
        # Secrets come as form fields (client_secret_post) or HTTP Basic (client_secret_basic).
        client_id, secret = form.get("client_id", ""), form.get("client_secret")
        if authorization and authorization.startswith("Basic "):
            user, _, password = base64.b64decode(authorization[6:]).decode().partition(":")
            client_id, secret = unquote_plus(user), unquote_plus(password)
        if client_id not in self._clients or self._clients[client_id] != secret:
            return 401, {"error": "invalid_client"}, {}
        grant_type = form.get("grant_type")
        if grant_type == "authorization_code":
            # A code works once: popped even when the rest of the request is wrong.
            grant = self._codes.pop(form.get("code", ""), None)
            if (grant is None or grant.client_id != client_id
                    or grant.redirect_uri != form.get("redirect_uri")):
                return 400, {"error": "invalid_grant"}, {}
            return 200, self._tokens(grant, refresh=None), {}
        if grant_type == "refresh_token":
            self.refresh_requests += 1
            old = form.get("refresh_token", "")
            grant = self._refresh.get(old)
            if grant is None or grant.client_id != client_id:
                return 400, {"error": "invalid_grant"}, {}
            if self.rotate_refresh:
                del self._refresh[old]
                return 200, self._tokens(grant, refresh=None), {}
            return 200, self._tokens(grant, refresh=old), {}
        return 400, {"error": "unsupported_grant_type"}, {}

    def _introspect(self, form: dict[str, str]) -> Reply:
        self.introspections += 1
        access = self._access.get(form.get("token", ""))
        if access is None or access.exp <= time.time():
            return 200, {"active": False}, {}
        return 200, {"active": True, "username": access.username, "exp": int(access.exp),
                     "client_id": access.client_id, "scope": access.scope,
                     "token_type": "Bearer"}, {}


def _handler(provider: OAuthProvider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self._serve()

        def do_POST(self) -> None:
            self._serve()

        def _serve(self) -> None:
            url = urlsplit(self.path)
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            status, payload, headers = provider.handle(
                self.command, url.path, dict(parse_qsl(url.query)),
                dict(parse_qsl(body.decode())), self.headers.get("Authorization"))
            data = json.dumps(payload).encode()
            self.send_response(status)
            headers = {"Content-Type": "application/json", "Cache-Control": "no-store",
                       "Content-Length": str(len(data)), **headers}
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # not on the test's stderr

    return Handler


# --- Dovecot with OAuth2 and submission -----------------------------------------------------
class RelayCapture(SmtpCapture):
    """The SmtpCapture Dovecot's submission service relays to; shared by the session, so a
    test calls clear() before it sends."""

    def clear(self) -> None:
        with self._cond:
            self.messages.clear()
            self.refused.clear()
            self._failures.clear()


class OAuthMailUser(NamedTuple):
    login: str
    password: str
    access_token: str
    refresh_token: str


# servers.CONFIG includes this at its end; protocols and auth_mechanisms set here win.
EXTRA_CONFIG = """\
protocols = imap submission
auth_mechanisms = plain login xoauth2 oauthbearer
# A bearer token goes past the password passdb (no such password: it continues) to this one,
# which asks the provider's /introspect each time (auth_cache_size is 0), so an expired token
# fails at once. `mechanisms` keeps wrong passwords from being sent to the provider. A refused
# login still takes ~0.5 s: Dovecot 2.3 flushes failures on a 500 ms timer even with
# auth_failure_delay = 0 (a passdb's nodelay field is rolled back when it fails).
passdb {{
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = {root}/oauth2.conf.ext
}}
# dovecot-submissiond: clients AUTH here, then it relays each message to the SmtpCapture, which
# asks for no AUTH of its own (submission_relay_trusted only adds Postfix's XCLIENT: not needed).
# hostname: the greeting and the EHLO to the relay, instead of the machine's name.
hostname = localhost
submission_relay_host = {host}
submission_relay_port = {relay_port}
service submission-login {{
  inet_listener submission {{
    port = {submission_port}
  }}
}}
"""

# Dovecot's db-oauth2 settings. The token must be live ("active": true) and be the login's
# ("username" equals the login of the AUTH). No tokeninfo_url: introspection alone decides.
OAUTH2_EXT = """\
introspection_url = {base_url}/introspect
introspection_mode = post
username_attribute = username
active_attribute = active
active_value = true
timeout_msecs = 5000
"""


class DovecotOAuthServer(DovecotServer):
    """DovecotServer (IMAP `port`, IMAPS `ssl_port`, PLAIN/LOGIN with passwords, append() etc.)
    that also takes XOAUTH2/OAUTHBEARER tokens of `provider`, and a submission service on
    `submission_port` that relays to `relay`. Any login with a token can sign in (the userdb
    is static); new_oauth_user() makes one that has a password too."""

    def __init__(self, binary: str, cert: TlsCert, provider: OAuthProvider,
                 relay: SmtpCapture) -> None:
        super().__init__(binary, cert)
        self.provider, self.relay = provider, relay
        self.submission_port = free_port()

    def start(self, timeout: float = 15.0) -> None:
        ext = self.root / "oauth2.conf.ext"
        ext.write_text(OAUTH2_EXT.format(base_url=self.provider.base_url))
        ext.chmod(0o644)  # read by the auth process, which runs as `dovecot`
        (self.root / "extra.conf").write_text(EXTRA_CONFIG.format(
            root=self.root, host=HOST, relay_port=self.relay.port,
            submission_port=self.submission_port))
        super().start(timeout)

    def new_oauth_user(self, prefix: str = "oauth") -> OAuthMailUser:
        """A fresh user with a password and a live (access, refresh) token pair."""
        user = self.new_user(prefix)
        return OAuthMailUser(user.login, user.password, *self.provider.issue(user.login))

    @contextlib.contextmanager
    def connect_oauth(self, login: str, token: str) -> Iterator[imaplib.IMAP4]:
        """imaplib on the plain IMAP port, signed in with AUTHENTICATE XOAUTH2."""
        conn = imaplib.IMAP4(HOST, self.port, timeout=10)
        try:
            imap_xoauth2(conn, login, token)
            yield conn
        finally:
            with contextlib.suppress(Exception):
                conn.logout()

    def submission(self) -> smtplib.SMTP:
        """smtplib connected to the submission port (plain text; STARTTLS is offered)."""
        return smtplib.SMTP(HOST, self.submission_port, timeout=10)

