"""Outbound HTTP for rules [AU8], guarded against SSRF (CHECKLIST: webhooks that reach the
metadata service or the database port).

The host is resolved once; every address it resolves to must be public — not loopback,
private, link-local (169.254/16: the cloud metadata service), shared, multicast, reserved or
unspecified, IPv4 or IPv6 (v4-mapped included) — unless the host name, the address or a
range holding it is listed in ``HELPWIRE_HTTP_ALLOW_HOSTS``. The connection then goes to
the address that was checked (the Host header and TLS name stay the host's), so a DNS answer
that changes between check and connect cannot move it. Redirects are followed by hand, at
most three, each one checked again.

Signing: ``X-Helpwire-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">``,
one ``v1`` per active secret (rotation); ``X-Helpwire-Event-Id`` lets the receiver drop
duplicates of a retried request.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import ipaddress
import socket
import ssl
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from django.conf import settings

TIMEOUT = 10.0
MAX_REDIRECTS = 3
MAX_RESPONSE = 4096  # bytes of the answer kept for the delivery log

Resolver = Callable[[str, int], list[str]]


class Refused(Exception):
    """The URL may not be called (scheme, or an address that is not public)."""


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes
    address: str


def resolve(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def _allowed_entries() -> list[str]:
    raw = getattr(settings, "HELPWIRE_HTTP_ALLOW_HOSTS", "") or ""
    return [e.strip().lower() for e in raw.split(",") if e.strip()]


def _listed(host: str, address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    for entry in _allowed_entries():
        if entry == host.lower():
            return True
        try:
            if address in ipaddress.ip_network(entry.strip("[]"), strict=False):
                return True
        except ValueError:
            continue
    return False


def is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return not (address.is_private or address.is_loopback or address.is_link_local
                or address.is_multicast or address.is_reserved or address.is_unspecified
                or (isinstance(address, ipaddress.IPv4Address)
                    and address in ipaddress.ip_network("100.64.0.0/10"))
                or (isinstance(address, ipaddress.IPv6Address)
                    and address in ipaddress.ip_network("fc00::/7")))


def checked_address(url: str, *, resolver: Resolver = resolve) -> tuple[str, str, int, str]:
    """(scheme, host, port, the address to connect to) or Refused, without a packet sent
    to any address that is not allowed."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Refused(f"not an http(s) URL: {url[:200]}")
    host = parts.hostname
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        literal = ipaddress.ip_address(host)
        candidates = [str(literal)]
    except ValueError:
        try:
            candidates = resolver(host, port)
        except OSError as e:
            raise Refused(f"{host} does not resolve: {e}") from None
    if not candidates:
        raise Refused(f"{host} does not resolve")
    for candidate in candidates:
        address = ipaddress.ip_address(candidate.split("%")[0])
        if not (is_public(address) or _listed(host, address)):
            raise Refused(f"{host} resolves to {address}, which is not a public address "
                          "(list it in HELPWIRE_HTTP_ALLOW_HOSTS to allow it)")
    return parts.scheme, host, port, candidates[0]


class _PinnedHTTPS(http.client.HTTPSConnection):
    """HTTPS to a fixed address, with the host's name for SNI and certificate checks."""

    def __init__(self, host: str, port: int, address: str, *, timeout: float,
                 context: ssl.SSLContext) -> None:
        super().__init__(host, port, timeout=timeout, context=context)
        self._address = address
        self._tls = context

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._tls.wrap_socket(sock, server_hostname=self.host)


class _PinnedHTTP(http.client.HTTPConnection):
    def __init__(self, host: str, port: int, address: str, *, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


def signature(body: bytes, secrets: Iterable[str], *, at: int) -> str:
    signed = f"{at}.".encode() + body
    parts = [f"t={at}"] + [
        "v1=" + hmac.new(s.encode(), signed, hashlib.sha256).hexdigest() for s in secrets]
    return ",".join(parts)


def call(*, method: str, url: str, headers: Mapping[str, str], body: bytes,
         resolver: Resolver = resolve, timeout: float = TIMEOUT) -> Answer:
    """One request (redirects followed by hand and checked again). Raises Refused, OSError
    (including timeouts) or http.client.HTTPException."""
    for _hop in range(MAX_REDIRECTS + 1):
        scheme, host, port, address = checked_address(url, resolver=resolver)
        parts = urlsplit(url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        conn: http.client.HTTPConnection
        if scheme == "https":
            conn = _PinnedHTTPS(host, port, address, timeout=timeout,
                                context=ssl.create_default_context())
        else:
            conn = _PinnedHTTP(host, port, address, timeout=timeout)
        try:
            conn.request(method, target, body=body or None, headers=dict(headers))
            response = conn.getresponse()
            data = response.read(MAX_RESPONSE)
            answer = Answer(status=response.status, headers=dict(response.getheaders()),
                            body=data, address=address)
        finally:
            conn.close()
        location = answer.headers.get("Location") or answer.headers.get("location")
        if answer.status in (301, 302, 303, 307, 308) and location:
            url = urljoin(url, location)
            if answer.status == 303 or (answer.status in (301, 302) and method != "GET"):
                method, body = "GET", b""
            continue
        return answer
    raise Refused(f"more than {MAX_REDIRECTS} redirects")
