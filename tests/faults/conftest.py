"""Fixtures of the fault tests: the mail servers of tests/mail, and PostgreSQL databases
of their own for the helpwire processes under test (never the suite's test database)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.faults.harness import admin_sql, helpwire, process_env, server_url
from tests.mail.conftest import (  # noqa: F401  (fixtures, re-exported)
    dovecot,
    mail_user,
    smtp_capture,
    smtp_capture_factory,
    tls_cert,
)


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated database that each test copies (CREATE DATABASE … TEMPLATE: under a
    second, where migrating costs seven)."""
    name = f"helpwire_faults_tpl_{os.getpid()}"
    admin_sql(f"DROP DATABASE IF EXISTS {name}", f"CREATE DATABASE {name}")
    data = tmp_path_factory.mktemp("faults-template")
    try:
        helpwire(process_env(server_url(name), data), "migrate", "-v0", timeout=300)
        yield name
    finally:
        admin_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def fault_db(migrated_template: str, request: pytest.FixtureRequest) -> Iterator[str]:
    """The URL of a fresh, migrated database on the suite's server for this test alone."""
    name = f"helpwire_faults_{os.getpid()}_{request.node.name[:30].lower()}"
    name = "".join(c if c.isalnum() else "_" for c in name)
    admin_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)",
              f"CREATE DATABASE {name} TEMPLATE {migrated_template}")
    try:
        yield server_url(name)
    finally:
        admin_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    path = tmp_path / "data"
    path.mkdir()
    return path
