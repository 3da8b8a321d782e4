"""Rules' HTTP requests [AU8] against a real HTTP server on loopback: the payload and its
signature, retries with Retry-After, the circuit breaker, and the SSRF guard — which never
lets a packet go to a private or metadata address (a stub resolver maps test names there and
any connection attempt fails the test)."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone

from helpwire.accounts.models import Notification
from helpwire.automation import requests as outbound_requests
from helpwire.automation import webhooks
from helpwire.automation.models import HttpTarget, OutboundRequest, RequestState, Rule
from tests.api.conftest import Api
from tests.automation.test_rules import rule


@pytest.fixture
def api_as():
    return Api

SECRET = "s3cr3t-signing-key-0001"


class Server:
    """A loopback HTTP server answering from a script of (status, headers) and keeping
    every request it got."""

    def __init__(self) -> None:
        self.got: list[dict] = []
        self.script: list[tuple[int, dict[str, str]]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                outer.got.append({"method": self.command, "path": self.path,
                                  "headers": dict(self.headers),
                                  "body": self.rfile.read(length)})
                status, headers = outer.script.pop(0) if outer.script else (200, {})
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            do_POST = do_GET = do_PUT = _answer

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"


@pytest.fixture
def server(settings):
    settings.HELPWIRE_HTTP_ALLOW_HOSTS = "127.0.0.1"
    s = Server()
    yield s
    s.httpd.shutdown()


def hook_rule(url: str, **extra) -> Rule:
    return rule(name="В Телеграм", actions=[{
        "type": "http_request", "method": "POST", "url": url,
        "headers": {"X-Source": "helpwire"},
        "body": '{"chat_id": 42, "text": "#{{ticket.number}}: {{message.text}}"}', **extra}])


def test_it_posts_the_rendered_payload_signed_with_the_rules_secret(server, inbound):
    hook_rule(server.url(), secret=SECRET)
    ticket = inbound('Он сказал "верните деньги"').ticket
    request = OutboundRequest.objects.get(ticket=ticket)
    assert outbound_requests.deliver(request.pk) == RequestState.SENT
    got = server.got[0]
    assert json.loads(got["body"]) == {
        "chat_id": 42, "text": f'#{ticket.number}: Он сказал "верните деньги"'}
    assert got["headers"]["X-Source"] == "helpwire"
    assert got["headers"]["X-Helpwire-Event-Id"] == str(request.event_id)
    t, v1 = dict(p.split("=", 1) for p in got["headers"]["X-Helpwire-Signature"].split(",")
                 ).values()
    expected = hmac.new(SECRET.encode(), f"{t}.".encode() + got["body"], hashlib.sha256)
    assert v1 == expected.hexdigest()


def test_it_keeps_secrets_write_only_and_two_for_rotation(server, api_as, admin):
    api = api_as(admin)
    body = {"name": "Хук", "events": ["ticket.created"], "actions": [
        {"type": "http_request", "method": "POST", "url": server.url(), "secret": SECRET}]}
    created = api.post("/rules", body).json()
    assert "secret" not in json.dumps(created)
    for n in (2, 3):
        api.patch(f"/rules/{created['id']}", {"actions": [
            {**body["actions"][0], "secret": f"{SECRET}-{n}"}]})
    stored = Rule.objects.get(pk=created["id"])
    assert len(stored.secrets) == 2 and SECRET not in json.dumps(stored.secrets)
    assert "secret" not in json.dumps(api.get(f"/rules/{created['id']}").json())


def test_it_retries_a_503_after_retry_after_then_delivers(server, inbound):
    hook_rule(server.url())
    server.script = [(503, {"Retry-After": "7"})]
    request = OutboundRequest.objects.get(ticket=inbound().ticket)
    now = timezone.now()
    assert outbound_requests.deliver(request.pk, now=now) == RequestState.QUEUED
    request.refresh_from_db()
    assert request.next_attempt_at == now + timedelta(seconds=7) and request.last_status == 503
    assert outbound_requests.deliver(request.pk, now=now) == "not due"
    assert outbound_requests.deliver(request.pk, now=now + timedelta(seconds=8)) == "sent"
    request.refresh_from_db()
    assert request.attempts == 2 and len(server.got) == 2


def test_it_gives_up_at_once_on_a_404(server, inbound):
    hook_rule(server.url())
    server.script = [(404, {})]
    request = OutboundRequest.objects.get(ticket=inbound().ticket)
    assert outbound_requests.deliver(request.pk) == RequestState.FAILED


def test_it_pauses_a_failing_target_and_tells_the_admins(server, inbound, admin):
    hook_rule(server.url())
    server.script = [(500, {})] * 10
    pks = [OutboundRequest.objects.get(ticket=inbound(email=f"c{i}@example.ru").ticket).pk
           for i in range(outbound_requests.BREAKER_AFTER + 1)]
    now = timezone.now()
    for pk in pks[:-1]:
        outbound_requests.deliver(pk, now=now)
    target = HttpTarget.objects.get(host="127.0.0.1")
    assert target.open_until == now + outbound_requests.BREAKER_OPEN
    hits = len(server.got)
    assert outbound_requests.deliver(pks[-1], now=now) == RequestState.QUEUED
    assert len(server.got) == hits  # not even tried while paused
    assert OutboundRequest.objects.get(pk=pks[-1]).next_attempt_at == target.open_until
    assert Notification.objects.filter(agent=admin, kind="rule", text__contains="127.0.0.1")


def test_it_hands_out_a_request_whose_sender_died(server, inbound):
    hook_rule(server.url())
    request = OutboundRequest.objects.get(ticket=inbound().ticket)
    OutboundRequest.objects.filter(pk=request.pk).update(
        state=RequestState.SENDING, claimed_until=timezone.now() - timedelta(seconds=1))
    assert outbound_requests.sweep() >= 1
    assert outbound_requests.deliver(request.pk) == RequestState.SENT


# --- the SSRF guard ---------------------------------------------------------------------------

@pytest.fixture
def no_connections(monkeypatch):
    """Any connection fails the test, except to the loopback test server's own port."""
    real = socket.create_connection
    allowed: set[tuple[str, int]] = set()

    def guarded(address, *args, **kwargs):
        if tuple(address) not in allowed:
            raise AssertionError(f"a connection was attempted: {address}")
        return real(address, *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", guarded)
    return allowed


STUB = {"meta.test": ["169.254.169.254"], "lan.test": ["10.0.0.5"],
        "v6lan.test": ["fd00::1"], "mapped.test": ["::ffff:192.168.1.1"],
        "mixed.test": ["93.184.216.34", "127.0.0.1"], "cgnat.test": ["100.64.0.1"]}


def stub(host: str, port: int) -> list[str]:
    return STUB[host]


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:9/x", "http://[::1]:9/x", "http://meta.test/latest/meta-data/",
    "http://lan.test/", "https://v6lan.test/", "http://mapped.test/", "http://mixed.test/",
    "http://cgnat.test/", "ftp://example.com/", "http://0.0.0.0/",
])
def test_it_refuses_addresses_that_are_not_public_without_a_packet(no_connections, url, db):
    with pytest.raises(webhooks.Refused):
        webhooks.call(method="POST", url=url, headers={}, body=b"{}", resolver=stub)


def test_it_records_a_refusal_in_the_delivery_log(no_connections, inbound, settings):
    settings.HELPWIRE_HTTP_ALLOW_HOSTS = ""
    hook_rule("http://127.0.0.1:9/hook")
    request = OutboundRequest.objects.get(ticket=inbound().ticket)
    assert outbound_requests.deliver(request.pk) == RequestState.REFUSED
    assert "not a public address" in OutboundRequest.objects.get(pk=request.pk).last_error


def test_it_checks_a_redirect_again(server, no_connections):
    # The loopback server is allowed; it redirects to the metadata address, which is not.
    no_connections.add(("127.0.0.1", server.port))
    server.script = [(302, {"Location": "http://169.254.169.254/latest/"})]
    with pytest.raises(webhooks.Refused):
        webhooks.call(method="GET", url=server.url(), headers={}, body=b"")
    assert len(server.got) == 1


def test_it_allows_a_listed_range(settings, db):
    settings.HELPWIRE_HTTP_ALLOW_HOSTS = "lan.test, 10.0.0.0/8"
    assert webhooks.checked_address("http://lan.test/", resolver=stub)[3] == "10.0.0.5"
    with pytest.raises(webhooks.Refused):
        webhooks.checked_address("http://meta.test/", resolver=stub)
