"""A real ``helpwire run`` on a fresh data dir, seeded through ``helpwire shell``, and
Debian's Chromium driven by Playwright (never a downloaded browser).

The live websocket and the task worker exist only in the real server, so these tests never
touch pytest-django's test database: the subprocess owns its own SQLite file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from itertools import count
from typing import Any

import pytest

from tests.e2e.harness import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, Server, log_in, running_server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with running_server(tmp_path_factory.mktemp("e2e-data")) as srv:
        yield srv


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS,
                               headless=True)
        yield b
        b.close()


@pytest.fixture(scope="module")
def shot(request: pytest.FixtureRequest) -> Callable[[Any, str], None]:
    """Screenshot a page into test-artifacts/e2e/<module>/NN-name.png, numbered in the order
    taken."""
    folder = ARTIFACTS / request.module.__name__.rsplit(".", 1)[-1]
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.png"):
        old.unlink()
    numbers = count(1)

    def take(page: Any, name: str) -> None:
        page.screenshot(path=str(folder / f"{next(numbers):02d}-{name}.png"))

    return take


@pytest.fixture(scope="module")
def alina(browser: Any, server: Server, shot: Callable[[Any, str], None]) -> Iterator[Any]:
    """The admin, logged in through the form."""
    page = log_in(browser, server, "alina@helpwire.test", shot)
    yield page
    page.context.close()


@pytest.fixture(scope="module")
def petr(browser: Any, server: Server) -> Iterator[Any]:
    """A second agent in his own browser context."""
    page = log_in(browser, server, "petr@helpwire.test")
    yield page
    page.context.close()
