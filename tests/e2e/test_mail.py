"""Email in the browser [CH1]: an admin connects a mailbox from the settings screen and
tests its connection; mail appended to a real Dovecot becomes a ticket (polled by the real
worker); the agent's reply leaves through a real SMTP server with threading headers."""

from __future__ import annotations

import time
from collections.abc import Callable
from email.message import EmailMessage
from typing import Any

from playwright.sync_api import Page, expect

from tests.e2e.harness import Server, require_chromium
from tests.mail.conftest import (  # noqa: F401 — the real mail servers' fixtures
    dovecot,
    mail_user,
    smtp_capture,
    smtp_capture_factory,
    tls_cert,
)

require_chromium()
expect.set_options(timeout=15_000)
Shot = Callable[[Any, str], None]


def _client_mail() -> bytes:
    m = EmailMessage()
    m["From"] = "Ольга Клиентова <olga@example.ru>"
    m["To"] = "support@shop.test"
    m["Cc"] = "Руководитель <boss@example.ru>"
    m["Subject"] = "Заказ 5521 не пришёл"
    m["Message-ID"] = "<olga-5521@example.ru>"
    m.set_content("Добрый день! Заказ 5521 так и не пришёл.\n\n-- \nОльга", charset="koi8-r")
    return m.as_bytes()


def _wait_for_ticket(server: Server, subject: str, seconds: float = 60) -> int:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        pk = server.shell("from helpwire.tickets.models import Ticket as T; "
                          f"t = T.objects.filter(subject={subject!r}).first(); "
                          "print(t.pk if t else 0)")
        if pk != "0":
            return int(pk)
        time.sleep(2)
    raise AssertionError(f"no ticket {subject!r} after {seconds} s:\n"
                         + server.log.read_text()[-3000:])


def test_it_connects_a_mailbox_and_works_mail_end_to_end(
        alina: Page, server: Server, shot: Shot, dovecot, mail_user, smtp_capture):  # noqa: F811
    page = alina
    page.goto("/settings/mailboxes/new/")
    page.fill("#id_address", "support@shop.test")
    page.fill("#id_name", "Почта поддержки")
    page.fill("#id_imap_host", "127.0.0.1")
    page.fill("#id_imap_port", str(dovecot.port))
    page.select_option("#id_imap_security", "none")
    page.fill("#id_imap_user", mail_user.login)
    page.fill("#id_imap_password", mail_user.password)
    page.fill("#id_poll_seconds", "10")
    page.fill("#id_smtp_host", smtp_capture.host)
    page.fill("#id_smtp_port", str(smtp_capture.port))
    page.select_option("#id_smtp_security", "none")
    shot(page, "mailbox-form")
    page.click("#mailbox-form button.primary")
    expect(page.locator("main")).to_contain_text("support@shop.test")
    shot(page, "mailboxes")

    page.click("table a:has-text('support@shop.test')")
    page.click("button:has-text('Проверить подключение')")
    report = page.locator(".connection-report")
    expect(report).to_contain_text("IMAP")
    expect(report.locator(".error")).to_have_count(0)
    shot(page, "connection-test")

    dovecot.append(mail_user.login, _client_mail())
    pk = _wait_for_ticket(server, "Заказ 5521 не пришёл")
    page.goto(f"/tickets/{pk}/")
    expect(page.locator("#conversation")).to_contain_text("Заказ 5521 так и не пришёл")
    expect(page.locator("#conversation")).to_contain_text("boss@example.ru")
    page.fill("#reply-body", "Ольга, заказ передан курьеру, будет завтра.")
    page.click("#reply button.primary")
    sent = smtp_capture.wait_for(1, timeout=60)[0].message
    assert sent["In-Reply-To"] == "<olga-5521@example.ru>"
    assert sent["To"] == "olga@example.ru" and "boss@example.ru" in sent["Cc"]
    assert "[#" in sent["Subject"]
    expect(page.locator("#conversation .delivery").last).to_have_class("delivery d-sent")
    shot(page, "ticket-1280")
    page.set_viewport_size({"width": 800, "height": 900})
    shot(page, "ticket-800")
    page.set_viewport_size({"width": 1280, "height": 800})
