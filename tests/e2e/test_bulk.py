"""The bulk bar in the browser: pickers instead of ids, select the page or the whole list,
destructive actions ask with a count, big selections run as a job with progress, and the
selection survives an action [#8 items 2, 4, 5]."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from playwright.sync_api import Page, expect

from tests.e2e.harness import Server, require_chromium

require_chromium()


expect.set_options(timeout=15_000)
Shot = Callable[[Any, str], None]

MANY = """
from helpwire.accounts.models import Group
from helpwire.connectors.models import Channel
from helpwire.conversations import ingest
from helpwire.connectors.types import InboundMessage, Sender
support = Group.objects.get(name="Техподдержка")
for n in range(60):
    ingest(InboundMessage(channel_id=Channel.builtin("api").pk,
                          sender=Sender(name=f"Клиент {n}", email=f"c{n}@example.ru"),
                          text="Сбой оплаты", subject=f"Оплата не прошла {n}",
                          thread_key=f"outage-{n}", external_id=f"outage-{n}",
                          ticket_defaults={"group_id": support.pk}))
print("ok")
"""
COUNT = """
from helpwire.tickets.models import Ticket
print(Ticket.objects.filter({lookup}).count())
"""


def _count(server: Server, lookup: str) -> int:
    return int(server.shell(COUNT.format(lookup=lookup)))


def test_assign_a_whole_page_by_name_and_keep_the_selection(alina: Page, server: Server,
                                                            shot: Shot):
    page = alina
    page.goto("/queues/all/")
    rows = page.locator("#rows tr.row")
    expect(rows).to_have_count(4)
    page.check("#select-page")
    expect(page.locator("#bulk-selected")).to_have_text("Выбрано: 4")
    page.select_option("#bulk-action", "assign")
    expect(page.locator("#bv-assign")).to_be_visible()
    expect(page.locator("#bv-status")).to_be_hidden()
    page.select_option("#bv-assign", label="Пётр Агент")
    shot(page, "bulk-assign")
    page.locator("#bulk button[type=submit]").click()
    expect(page.locator("#bulk-result")).to_contain_text("4")
    expect(rows.filter(has_text="Пётр Агент")).to_have_count(4)
    # The rows were refreshed; the same four stay ticked for the next action.
    expect(page.locator("#rows input[name=ids]:checked")).to_have_count(4)
    assert _count(server, "assignee__name='Пётр Агент'") == 4


def test_closing_asks_first_with_the_count(alina: Page, server: Server, shot: Shot):
    page = alina
    page.goto("/queues/all/")
    page.locator("#rows input[name=ids]").nth(0).check()
    page.locator("#rows input[name=ids]").nth(1).check()
    page.select_option("#bulk-action", "close")
    asked: list[str] = []

    def answer(dialog: Any, accept: bool) -> None:
        asked.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    page.once("dialog", lambda d: answer(d, False))
    page.locator("#bulk button[type=submit]").click()
    page.wait_for_timeout(500)
    assert asked and "2" in asked[0]
    assert _count(server, "status='closed'") == 0  # dismissed: nothing happened
    page.once("dialog", lambda d: answer(d, True))
    page.locator("#bulk button[type=submit]").click()
    expect(page.locator("#bulk-result")).to_contain_text("2")
    assert _count(server, "status='closed'") == 2
    shot(page, "bulk-closed")


def test_tag_every_ticket_of_a_list_as_a_job_with_progress(alina: Page, server: Server,
                                                          shot: Shot):
    server.shell(MANY)
    page = alina
    page.goto("/queues/all/")
    expect(page.locator("#rows tr.row")).to_have_count(50)
    page.check("#select-page")
    page.click("#bulk-select-matching")
    expect(page.locator("#bulk-selected")).to_contain_text("62")
    page.select_option("#bulk-action", "tag")
    page.fill("#bv-tag", "Инциденты › Сбой оплаты")
    shot(page, "bulk-all-matching")
    page.locator("#bulk button[type=submit]").click()
    expect(page.locator("#bulk-result")).to_contain_text(re.compile(r"62"), timeout=60_000)
    expect(page.locator("#bulk-result progress")).to_have_count(0, timeout=60_000)
    assert _count(server, "tags__path='Инциденты › Сбой оплаты'") == 62
    shot(page, "bulk-job-done")
