"""Data safety in the browser: a stale panel never writes an old value back, a conflicting
change is refused with a reload, two clients' tickets are never merged silently, a reply
that cannot be delivered says so [#8 items 1-3]."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from playwright.sync_api import Page, expect

from tests.e2e.harness import Server, require_chromium

require_chromium()


expect.set_options(timeout=10_000)
Shot = Callable[[Any, str], None]

STATE = """
from helpwire.tickets.models import Ticket
t = Ticket.objects.get(pk={pk})
print(t.status, t.priority)
"""
SET_STATUS = """
from helpwire.core.actors import Actor
from helpwire.tickets.actions import set_status
from helpwire.tickets.models import Ticket
set_status(ticket=Ticket.objects.get(pk={pk}), status={status!r}, actor=Actor.system("colleague"))
print("ok")
"""


def open_ticket(page: Page, pk: int) -> None:
    page.goto(f"/tickets/{pk}/")
    expect(page.locator("body")).to_have_attribute("data-live", "on")


def save_panel(page: Page) -> None:
    page.locator("#props form.panel").first.locator("button.primary").click()


def test_reply_with_a_status_refreshes_the_panel_and_a_later_save_keeps_it(
        alina: Page, server: Server, shot: Shot):
    pk = server.seed["other"]["pk"]
    open_ticket(alina, pk)
    alina.fill("#reply-body", "Пришлите, пожалуйста, реквизиты.")
    alina.select_option("#reply-status", "pending")
    alina.locator("#reply button[type=submit]").click()
    expect(alina.locator("#conversation article.k-outbound")).to_have_count(1)
    expect(alina.locator("#p-status")).to_have_value("pending")
    alina.select_option("#p-priority", "urgent")
    save_panel(alina)
    expect(alina.locator("#p-priority")).to_have_value("urgent")
    expect(alina.locator("#ticket-title .status")).to_have_class(re.compile(r"\bs-pending\b"))
    assert server.shell(STATE.format(pk=pk)) == "pending urgent"
    shot(alina, "panel-after-reply")


def test_a_stale_panel_never_reverts_and_a_conflict_asks_for_a_reload(
        alina: Page, server: Server, shot: Shot):
    pk = server.seed["live"]["pk"]
    open_ticket(alina, pk)
    # The agent is in the panel: live refreshes leave it alone, so what it shows goes stale.
    alina.locator("#p-priority").focus()
    server.shell(SET_STATUS.format(pk=pk, status="on_hold"))
    expect(alina.locator("#conversation .sysevent")).to_have_count(1)
    alina.select_option("#p-priority", "urgent")
    save_panel(alina)
    expect(alina.locator("#p-priority")).to_have_value("urgent")
    assert server.shell(STATE.format(pk=pk)) == "on_hold urgent"  # the status stayed

    alina.locator("#p-status").focus()
    server.shell(SET_STATUS.format(pk=pk, status="pending"))
    expect(alina.locator("#conversation .sysevent")).to_have_count(2)
    alina.select_option("#p-status", "solved")
    save_panel(alina)
    alert = alina.locator("#props .error[role=alert]")
    expect(alert).to_contain_text(re.compile("обновите|reload", re.I))
    shot(alina, "panel-conflict-at-once")
    alina.wait_for_timeout(2500)
    expect(alert).to_be_visible()  # stays until the agent acts, no live refresh wipes it
    expect(alina.locator("#p-status")).to_have_value("pending")  # the panel as it is now
    expect(alina.locator("#ticket-title .status")).to_have_class(re.compile(r"\bs-pending\b"))
    assert server.shell(STATE.format(pk=pk)) == "pending urgent"
    shot(alina, "panel-conflict")


MAILBOX_TICKET = """
from helpwire.accounts.models import Group
from helpwire.connectors.models import Channel
from helpwire.conversations import ingest
from helpwire.connectors.types import InboundMessage, Sender
box = Channel.objects.create(kind="email", name="support@shop.example")
t = ingest(InboundMessage(channel_id=box.pk, sender=Sender(name="Вера", email="vera@example.ru"),
                          text="Не пришёл чек", subject="Чек", thread_key="vera-1",
                          ticket_defaults={"group_id": Group.objects.get(name="Техподдержка").pk}))
print(t.ticket.pk)
"""


def test_a_reply_that_cannot_be_delivered_says_so_and_tells_its_author(
        alina: Page, server: Server, shot: Shot):
    pk = int(server.shell(MAILBOX_TICKET))
    open_ticket(alina, pk)
    alina.fill("#reply-body", "Чек отправили ещё раз.")
    alina.locator("#reply button[type=submit]").click()
    outbound = alina.locator("#conversation article.k-outbound")
    expect(outbound).to_have_count(1)
    # The worker finds no connector for the mailbox: failed, with the reason, within seconds.
    expect(outbound.locator(".delivery")).to_have_class(re.compile(r"\bd-failed\b"),
                                                        timeout=30_000)
    expect(outbound.locator(".delivery-error")).to_contain_text("support@shop.example")
    expect(alina.locator("#notif-link .notif-count")).not_to_have_text("0")
    shot(alina, "reply-failed")


def test_merging_another_clients_ticket_names_both_and_asks(alina: Page, server: Server,
                                                          shot: Shot):
    main, live = server.seed["main"], server.seed["live"]
    open_ticket(alina, main["pk"])
    alina.fill("#merge-number", str(live["number"]))
    alina.once("dialog", lambda d: d.accept())
    alina.locator("#props form[action$='/merge/'] button[type=submit]").last.click()
    confirm = alina.locator("#props .confirm")
    expect(confirm).to_contain_text("Мария Клиентова")
    expect(confirm).to_contain_text("Олег Покупатель")
    shot(alina, "merge-confirm")
    assert server.shell(STATE.format(pk=live["pk"])).split()[0] != "merged"
    confirm.locator("input[name=allow_other_clients]").check()
    alina.once("dialog", lambda d: d.accept())
    confirm.get_by_role("button", name="Всё равно объединить").click()
    expect(alina.locator("#props .confirm")).to_have_count(0)
    assert server.shell(STATE.format(pk=live["pk"])).split()[0] == "merged"
