"""Real mail servers for the email channel's tests (see tests/mail/servers.py).

- `dovecot` (session): DovecotServer on free loopback ports; `mail_user`: a fresh
  (login, password) on it, so tests never see each other's messages.
- `smtp_capture` / `smtp_capture_auth`: SmtpCapture, one per test (starts in milliseconds);
  `smtp_capture_factory(**kwargs)` for TLS variants.
- `blackhole`: accepts and never answers; `closed_port`: connecting is refused.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.mail.servers import (
    Blackhole,
    DovecotServer,
    MailUser,
    SmtpCapture,
    TlsCert,
    refused_port,
    require_dovecot,
)

SMTP_USER = "helpwire@helpwire.test"
SMTP_PASSWORD = "pw-smtp-123456"


@pytest.fixture(scope="session")
def tls_cert(tmp_path_factory: pytest.TempPathFactory) -> TlsCert:
    return TlsCert.generate(tmp_path_factory.mktemp("mail-tls"))


@pytest.fixture(scope="session")
def dovecot(tls_cert: TlsCert) -> Iterator[DovecotServer]:
    server = DovecotServer(require_dovecot(), cert=tls_cert)
    server.start()  # on failure: RuntimeError with the log tail; files kept for a look
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def mail_user(dovecot: DovecotServer) -> MailUser:
    return dovecot.new_user()


@pytest.fixture
def smtp_capture_factory(tls_cert: TlsCert) -> Iterator[Callable[..., SmtpCapture]]:
    """SmtpCapture(**kwargs) started now and stopped after the test; the certificate is the
    session's (the same as Dovecot's)."""
    started: list[SmtpCapture] = []

    def make(**kwargs: Any) -> SmtpCapture:
        kwargs.setdefault("cert", tls_cert)
        capture = SmtpCapture(**kwargs)
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
def blackhole() -> Iterator[Blackhole]:
    hole = Blackhole()
    yield hole
    hole.close()


@pytest.fixture
def closed_port() -> Iterator[int]:
    with refused_port() as port:
        yield port
