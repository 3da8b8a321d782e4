"""Real mail servers for the email channel's tests (the servers are in tests/mail/servers.py).

- `dovecot` (session): DovecotServer on free loopback ports; `mail_user`: a fresh
  (login, password) on it, so tests never see each other's messages.
- `smtp_capture` / `smtp_capture_auth`: SmtpCapture, one per test (starts in milliseconds);
  `smtp_capture_factory(**kwargs)` for other variants (tls="starttls" / "implicit").
- `blackhole`: an Address (host, port) that accepts and never answers; `closed_port`: refuses.
- `tls_cert` (session): the self-signed certificate both servers use.
- OAuth2 (tests/mail/oauth_servers.py): `oauth_provider` (session) OAuthProvider with client
  CLIENT_ID/CLIENT_SECRET registered; `oauth_relay` (session) RelayCapture, `.clear()` it;
  `dovecot_oauth` (session) DovecotOAuthServer relaying to it; `oauth_mail_user` OAuthMailUser.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import socket
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.mail.oauth_servers import (
    CLIENT_ID,
    CLIENT_SECRET,
    DovecotOAuthServer,
    OAuthMailUser,
    OAuthProvider,
    RelayCapture,
)
from tests.mail.servers import (
    HOST,
    Address,
    DovecotServer,
    MailUser,
    SmtpCapture,
    TlsCert,
    require_dovecot,
)

SMTP_USER = "helpwire@helpwire.test"
SMTP_PASSWORD = "pw-smtp-123456"


@pytest.fixture(scope="session")
def tls_cert(tmp_path_factory: pytest.TempPathFactory) -> TlsCert:
    """Self-signed, for localhost and 127.0.0.1 (so it also passes full verification)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives import serialization as ser
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())  # far quicker to make than RSA
    name = x509.Name.from_rfc4514_string("CN=localhost")
    san = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address(HOST))]
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(hours=1))
            .not_valid_after(now + dt.timedelta(days=30))
            .add_extension(x509.SubjectAlternativeName(san), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    folder = tmp_path_factory.mktemp("mail-tls")
    tls = TlsCert(folder / "cert.pem", folder / "key.pem")
    tls.cert.write_bytes(cert.public_bytes(ser.Encoding.PEM))
    tls.key.write_bytes(key.private_bytes(ser.Encoding.PEM, ser.PrivateFormat.PKCS8,
                                          ser.NoEncryption()))
    return tls


@pytest.fixture(scope="session")
def dovecot(tls_cert: TlsCert) -> Iterator[DovecotServer]:
    server = DovecotServer(require_dovecot(), cert=tls_cert)
    server.start()  # on failure: RuntimeError with the log tail; its files are kept
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def mail_user(dovecot: DovecotServer) -> MailUser:
    return dovecot.new_user()


@pytest.fixture
def smtp_capture_factory(tls_cert: TlsCert) -> Iterator[Callable[..., SmtpCapture]]:
    """SmtpCapture(**kwargs), started now and stopped after the test."""
    started: list[SmtpCapture] = []

    def make(**kwargs: Any) -> SmtpCapture:
        capture = SmtpCapture(**{"cert": tls_cert, **kwargs})
        capture.start()
        started.append(capture)
        return capture

    yield make
    for capture in started:
        capture.stop()


@pytest.fixture
def smtp_capture(smtp_capture_factory: Callable[..., SmtpCapture]) -> SmtpCapture:
    return smtp_capture_factory()


@pytest.fixture
def smtp_capture_auth(smtp_capture_factory: Callable[..., SmtpCapture]) -> SmtpCapture:
    """Requires AUTH PLAIN/LOGIN as `.user` / `.password` (no TLS needed)."""
    return smtp_capture_factory(user=SMTP_USER, password=SMTP_PASSWORD)


@pytest.fixture
def blackhole() -> Iterator[Address]:
    """A hung server (.host, .port): connecting succeeds, then not a byte ever comes. It
    listens but never accepts; the kernel completes the handshakes and queues them."""
    with socket.create_server((HOST, 0), backlog=128) as listener:
        yield Address(HOST, listener.getsockname()[1])


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A loopback port where connecting is refused at once: bound (so nothing else takes it
    meanwhile) but not listening."""
    with socket.socket() as s:
        s.bind((HOST, 0))
        yield s.getsockname()[1]


# --- OAuth2 (XOAUTH2) -----------------------------------------------------------------------
@pytest.fixture(scope="session")
def oauth_provider() -> Iterator[OAuthProvider]:
    provider = OAuthProvider()
    provider.register_client(CLIENT_ID, CLIENT_SECRET)
    provider.start()
    try:
        yield provider
    finally:
        provider.stop()


@pytest.fixture(scope="session")
def oauth_relay() -> Iterator[RelayCapture]:
    relay = RelayCapture()
    relay.start()
    try:
        yield relay
    finally:
        relay.stop()


@pytest.fixture(scope="session")
def dovecot_oauth(tls_cert: TlsCert, oauth_provider: OAuthProvider,
                  oauth_relay: RelayCapture) -> Iterator[DovecotOAuthServer]:
    server = DovecotOAuthServer(require_dovecot(), tls_cert, oauth_provider, oauth_relay)
    server.start()  # on failure: RuntimeError with the log tail; its files are kept
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def oauth_mail_user(dovecot_oauth: DovecotOAuthServer) -> OAuthMailUser:
    """A fresh login with a password and a live (access_token, refresh_token)."""
    return dovecot_oauth.new_oauth_user()
