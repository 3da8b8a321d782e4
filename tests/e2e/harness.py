"""What the browser tests share: the seed, the server handle, logging in."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.helpwire_process import Process, helpwire_run

CHROMIUM = Path("/usr/bin/chromium")


def require_chromium() -> None:
    """At the top of every browser test module: in CI a missing browser fails the run;
    elsewhere the module is skipped with the reason."""
    import os

    import pytest

    if CHROMIUM.exists():
        return
    if os.environ.get("CI") == "true":
        pytest.fail("Debian's Chromium is not installed at /usr/bin/chromium", pytrace=False)
    pytest.skip("Debian's Chromium is not installed at /usr/bin/chromium "
                "(apt-get install chromium)", allow_module_level=True)
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "e2e"
PASSWORD = "pw-e2e-123456"
VIEWPORT = {"width": 1280, "height": 800}

SEED = """
import json
from helpwire.accounts.actions import create_agent
from helpwire.accounts.models import Group
from helpwire.automation.models import ReplyTemplate
from helpwire.connectors.models import Channel
from helpwire.conversations import ingest
from helpwire.connectors.types import InboundMessage, Sender
from helpwire.tickets import tags

support = Group.objects.create(name="Техподдержка")
Group.objects.create(name="Претензии")
pw = {password!r}
alina = create_agent(email="alina@helpwire.test", name="Алина Админ", role="admin", password=pw,
                     groups=[support])
petr = create_agent(email="petr@helpwire.test", name="Пётр Агент", role="agent", password=pw,
                    groups=[support])
api = Channel.builtin("api")

def ticket(thread, text, subject, name, email):
    return ingest(InboundMessage(
        channel_id=api.pk, sender=Sender(name=name, email=email), text=text, subject=subject,
        thread_key=thread, external_id=thread + "-1",
        ticket_defaults={{"group_id": support.pk}})).ticket

main = ticket("salary", "Здравствуйте! Не приходит зарплата за март, помогите.",
              "Не приходит зарплата", "Мария Клиентова", "maria@example.ru")
dup = ticket("salary-2", "Я писала вчера про выплату, ответа нет.", "Повторное обращение",
             "Мария Клиентова", "maria@example.ru")
live = ticket("parcel", "Где моя посылка? Трек-номер не работает.", "Посылка потерялась",
              "Олег Покупатель", "oleg@example.ru")
other = ticket("invoice", "Пришлите, пожалуйста, счёт на оплату.", "Счёт для бухгалтерии",
               "Нина Бухгалтер", "nina@example.ru")
for path in ("Финансы › Зарплата", "Финансы › Возвраты", "Доставка › Курьер", "Доставка › Почта"):
    tags.ensure(path)
ReplyTemplate.objects.create(
    section="Приветствия", title="Обращение принято",
    body="Здравствуйте, {{{{client.name}}}}! Ваше обращение №{{{{ticket.number}}}} принято.")
ReplyTemplate.objects.create(section="Финансы", title="Возврат оформлен",
                             body="Возврат по обращению {{{{ticket.number}}}} оформлен.")
print(json.dumps({{
    "main": {{"pk": main.pk, "number": main.number}},
    "dup": {{"pk": dup.pk, "number": dup.number}},
    "live": {{"pk": live.pk, "number": live.number}},
    "other": {{"pk": other.pk, "number": other.number}},
    "client": main.client.name,
}}))
"""

CLIENT_MESSAGE = """
from helpwire.connectors.models import Channel
from helpwire.conversations import ingest
from helpwire.connectors.types import InboundMessage, Sender
t = ingest(InboundMessage(channel_id=Channel.builtin("api").pk,
                          sender=Sender(name={name!r}, email={email!r}), text={text!r},
                          subject={subject!r}, thread_key={thread!r},
                          external_id={external_id!r})).ticket
print(t.number)
"""


@dataclass
class Server:
    url: str
    env: dict[str, str]
    log: Path
    process: Process
    seed: dict[str, Any] = field(default_factory=dict)

    def shell(self, code: str) -> str:
        return self.process.shell(code)

    def client_writes(self, *, text: str, thread: str, external_id: str,
                      subject: str = "", name: str = "Олег Покупатель",
                      email: str = "oleg@example.ru") -> int:
        return int(self.shell(CLIENT_MESSAGE.format(
            name=name, email=email, text=text, subject=subject, thread=thread,
            external_id=external_id)))


@contextmanager
def running_server(data: Path) -> Iterator[Server]:
    """``helpwire run`` on a free port over ``data``, seeded; stopped on exit."""
    with helpwire_run(data) as process:
        server = Server(url=process.url, env=process.env, log=process.log, process=process)
        server.seed = json.loads(server.shell(SEED.format(password=PASSWORD)))
        yield server


def log_in(browser: Any, server: Server, email: str, shot: Any = None) -> Any:
    """A fresh browser context logged in through the login form; returns its page."""
    context = browser.new_context(viewport=VIEWPORT, base_url=server.url, locale="ru-RU",
                                  timezone_id="Europe/Moscow")
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto("/queues/all/")
    assert "/login/" in page.url
    page.fill("#id_username", email)
    page.fill("#id_password", PASSWORD)
    if shot is not None:
        shot(page, "login")
    page.click("form button.primary")
    page.wait_for_url("**/queues/all/")
    return page
