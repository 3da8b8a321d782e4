"""Everyday moves in the browser: a new ticket without typing an id, @mentions by name with
the keyboard, a search by number that opens the ticket, sorting a queue [#8 items 6-9]."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from playwright.sync_api import Page, expect

from tests.e2e.harness import Server, require_chromium

require_chromium()


expect.set_options(timeout=10_000)
Shot = Callable[[Any, str], None]


def test_create_a_ticket_for_a_client_found_by_name(alina: Page, server: Server, shot: Shot):
    page = alina
    page.goto("/queues/all/")
    page.get_by_role("link", name="Новый тикет").click()
    page.wait_for_url("**/tickets/new/")
    page.fill("#nt-client", "Нина")
    suggestion = page.locator("#nt-client-list .suggestion").first
    expect(suggestion).to_contain_text("Нина Бухгалтер")
    suggestion.click()
    expect(page.locator("#nt-client")).to_have_value("Нина Бухгалтер")
    page.select_option("#id_kind", "call")
    page.fill("#id_subject", "Звонок: акт сверки")
    page.fill("#id_message", "Звонила бухгалтер, просит акт сверки за квартал.")
    page.select_option("#id_group", label="Техподдержка")
    shot(page, "new-ticket")
    page.get_by_role("button", name="Создать тикет").click()
    page.wait_for_url(re.compile(r".*/tickets/\d+/$"))
    expect(page.locator("#ticket-title")).to_contain_text("Звонок: акт сверки")
    expect(page.locator(".flash")).to_contain_text("создан")
    expect(page.locator("#props .client")).to_contain_text("Нина Бухгалтер")
    shot(page, "new-ticket-created")


def test_mention_a_colleague_by_name_with_the_keyboard(alina: Page, petr: Page, server: Server,
                                                      shot: Shot):
    main = server.seed["main"]
    petr.goto("/queues/all/")
    expect(petr.locator("body")).to_have_attribute("data-live", "on")
    page = alina
    page.goto(f"/tickets/{main['pk']}/")
    page.check("#reply input[name=kind][value=note]")
    area = page.locator("#reply-body")
    area.click()
    area.press_sequentially("Коллега @Пёт")
    expect(page.locator("#mention-list .suggestion")).to_have_count(1)
    shot(page, "mention-suggestions")
    area.press("ArrowDown")
    page.keyboard.press("Enter")
    expect(area).to_have_value("Коллега @Пётр Агент ")
    area.press_sequentially("глянь, пожалуйста")
    page.locator("#reply button[type=submit]").click()
    expect(page.locator("#conversation article.k-note").last).to_contain_text("@Пётр Агент")
    badge = petr.locator("#notif-link .notif-count")
    expect(badge).to_have_text("1", timeout=15_000)
    shot(petr, "mention-badge")


def test_search_by_number_opens_the_ticket(alina: Page, server: Server):
    other = server.seed["other"]
    alina.goto("/queues/all/")
    alina.fill("#global-search", f"#{other['number']}")
    alina.press("#global-search", "Enter")
    alina.wait_for_url(f"**/tickets/{other['pk']}/")


def test_sort_a_queue_by_priority_and_back(alina: Page, shot: Shot):
    page = alina
    page.goto("/queues/all/")
    page.locator("th.c-prio a.sort").click()
    page.wait_for_url("**sort=-priority**")
    expect(page.locator("th.c-prio")).to_have_attribute("aria-sort", "descending")
    page.locator("th.c-prio a.sort").click()
    page.wait_for_url(re.compile(r".*sort=priority.*"))
    expect(page.locator("th.c-prio")).to_have_attribute("aria-sort", "ascending")
    shot(page, "sorted-by-priority")
