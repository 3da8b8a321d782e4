"""The workspace end to end, in Debian's Chromium against a real ``helpwire run``.

One admin (Алина) works a ticket from the queue to the search box; a second agent (Пётр),
in his own browser context, sees her mention, her presence and the client's new messages
arrive live. Every screen is saved to test-artifacts/e2e/. The tests run in file order
and share the server and the two logged-in pages (module fixtures).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from playwright.sync_api import Page, expect

from tests.e2e.harness import Server, require_chromium

require_chromium()


expect.set_options(timeout=10_000)

Shot = Callable[[Any, str], None]
SELECTED = re.compile(r"\bselected\b")


def open_ticket(page: Page, pk: int) -> None:
    page.goto(f"/tickets/{pk}/")
    expect(page.locator("body")).to_have_attribute("data-live", "on")


def send(page: Page) -> None:
    page.locator("#reply button[type=submit]").click()


def test_queue_shows_shortcuts_and_moves_the_selection_with_j_and_k(alina: Page, shot: Shot):
    page = alina
    page.goto("/queues/all/")
    rows = page.locator("#rows tr.row")
    expect(rows.nth(1)).to_be_visible()
    expect(page.locator('#queues .count[data-queue="all"]')).to_have_text(str(rows.count()))
    shot(page, "queue-all")

    page.keyboard.press("?")
    dialog = page.locator("#shortcuts")
    expect(dialog).to_be_visible()
    expect(dialog.locator("kbd", has_text="j")).to_be_visible()
    shot(page, "shortcuts")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()

    page.keyboard.press("j")
    expect(rows.nth(0)).to_have_class(SELECTED)
    page.keyboard.press("j")
    expect(rows.nth(1)).to_have_class(SELECTED)
    expect(page.locator("#rows tr.selected")).to_have_count(1)
    page.keyboard.press("k")
    expect(rows.nth(0)).to_have_class(SELECTED)
    expect(rows.nth(1)).not_to_have_class(SELECTED)
    shot(page, "queue-selection")

    first = rows.nth(0).get_attribute("data-ticket")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/tickets/{first}/")


def test_reply_with_a_template(alina: Page, server: Server, shot: Shot):
    page, main = alina, server.seed["main"]
    page.goto("/queues/all/")
    page.locator(f'#rows tr.row[data-ticket="{main["pk"]}"] .subj a').click()
    page.wait_for_url(f"**/tickets/{main['pk']}/")
    expect(page.locator("#ticket-title")).to_contain_text("Не приходит зарплата")
    expect(page.locator("body")).to_have_attribute("data-live", "on")
    shot(page, "ticket")

    page.click("#template-open")
    picker = page.locator("#templates .picker")
    expect(picker).to_be_visible()
    # The shipped auto-reply and silent-client templates sit in their own sections.
    expect(picker.locator("summary")).to_have_text([
        "Автоответы", "Молчащий клиент", "Приветствия", "Финансы"])
    shot(page, "templates")
    picker.get_by_role("button", name="Обращение принято").click()
    expect(picker).to_have_count(0)
    area = page.locator("#reply-body")
    filled = f"Здравствуйте, {server.seed['client']}! Ваше обращение №{main['number']} принято."
    expect(area).to_have_value(filled)

    area.press("End")
    area.press_sequentially(" Уже разбираемся с бухгалтерией.")
    shot(page, "reply-edited")
    send(page)
    outbound = page.locator("#conversation article.k-outbound")
    expect(outbound).to_have_count(1)
    expect(outbound).to_contain_text(f"№{main['number']} принято. Уже разбираемся")
    expect(area).to_have_value("")
    # The first reply opens the ticket, and the header says so without a reload.
    expect(page.locator("#ticket-title .status")).to_have_class(re.compile(r"\bs-open\b"))
    # The worker delivers it and the page hears about it over the live channel.
    expect(outbound.locator(".delivery")).to_have_class(re.compile(r"\bd-sent\b"),
                                                        timeout=20_000)
    shot(page, "reply-sent")


def test_private_note_mentions_a_colleague(alina: Page, petr: Page, server: Server,
                                           shot: Shot):
    page, main = alina, server.seed["main"]
    petr.goto("/queues/all/")
    expect(petr.locator("body")).to_have_attribute("data-live", "on")
    expect(petr.locator("#notif-link")).not_to_have_class(re.compile("unread"))

    open_ticket(page, main["pk"])
    page.check("#reply input[name=kind][value=note]")
    expect(page.locator("#reply")).to_have_class(re.compile(r"\bnote-mode\b"))
    page.fill("#reply-body", "@petr@helpwire.test посмотри, пожалуйста, выплаты за март")
    shot(page, "note-mode")
    send(page)

    note = page.locator("#conversation article.k-note")
    expect(note).to_have_count(1)
    expect(note).to_contain_text("посмотри, пожалуйста")
    expect(note.locator("svg.lock")).to_be_visible()
    assert note.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(255, 247, 209)"
    expect(page.locator("#reply")).not_to_have_class(re.compile(r"\bnote-mode\b"))
    shot(page, "note-added")

    # Пётр's open page hears about the mention without a reload.
    expect(petr.locator("#notif-link")).to_have_class(re.compile(r"\bunread\b"))
    petr.click("#notif-link")
    item = petr.locator(".notifications li").first
    expect(item).to_contain_text(f"#{main['number']}")
    expect(item).to_have_class(re.compile(r"\bunread\b"))
    shot(petr, "notifications-petr")
    item.locator("a").click()
    petr.wait_for_url(f"**/tickets/{main['pk']}/")
    expect(petr.locator("#conversation article.k-note")).to_contain_text("посмотри")


def test_tag_from_the_tree(alina: Page, server: Server, shot: Shot):
    page, main = alina, server.seed["main"]
    open_ticket(page, main["pk"])
    page.locator("#props details.tagtree > summary").click()
    page.fill("#tag-filter", "зарп")
    shown = page.locator("#tag-tree li:visible")
    expect(shown).to_have_count(1)
    shot(page, "tag-tree")
    shown.get_by_role("button", name="Финансы › Зарплата").click()
    expect(page.locator("#props .current-tags .tag")).to_have_text(["Финансы › Зарплата"])
    shot(page, "tagged")


def test_merge_another_ticket_of_the_client(alina: Page, server: Server, shot: Shot):
    page, main, dup = alina, server.seed["main"], server.seed["dup"]
    open_ticket(page, main["pk"])
    box = page.locator(f'#props input[type=checkbox][name=source][value="{dup["number"]}"]')
    box.check()
    shot(page, "merge-chosen")
    asked: list[str] = []

    def accept(dialog: Any) -> None:
        asked.append(dialog.message)
        dialog.accept()

    page.on("dialog", accept)
    try:
        box.locator("xpath=ancestor::form").locator("button[type=submit]").click()
        other = page.locator("#props .others li", has_text=f"#{dup['number']}")
        expect(other.locator(".status")).to_have_class(re.compile(r"\bs-merged\b"))
    finally:
        page.remove_listener("dialog", accept)
    shot(page, "merged")
    assert len(asked) == 1
    expect(page.locator("#props .error")).to_have_count(0)

    page.reload()
    expect(page.locator("#conversation")).to_contain_text("Я писала вчера про выплату")
    page.goto(f"/tickets/{dup['pk']}/")
    expect(page.locator("#ticket-title .status")).to_have_class(re.compile(r"\bs-merged\b"))
    expect(page.locator(".notice a")).to_have_text(f"#{main['number']}")
    expect(page.locator("#reply")).to_have_count(0)
    shot(page, "merged-source")


def test_reminder_makes_the_ticket_pending(alina: Page, server: Server, shot: Shot):
    page, main = alina, server.seed["main"]
    open_ticket(page, main["pk"])
    when = datetime.now() + timedelta(days=1)
    page.fill("#remind-at", when.strftime("%Y-%m-%dT10:30"))
    form = page.locator("#props form", has=page.locator("#remind-at"))
    form.locator("button[type=submit]").first.click()
    expect(page.locator("#p-status")).to_have_value("pending")
    expect(page.locator("#props form", has=page.locator("#remind-at")).locator("time")) \
        .to_have_text(when.strftime("%d.%m.%Y 10:30"))
    expect(page.locator("#ticket-title .status")).to_have_class(re.compile(r"\bs-pending\b"))
    shot(page, "reminder-set")
    page.reload()
    expect(page.locator("#ticket-title .status")).to_have_class(re.compile(r"\bs-pending\b"))


def test_search_by_number_and_by_an_inflected_word(alina: Page, server: Server, shot: Shot):
    page, main, other = alina, server.seed["main"], server.seed["other"]
    page.goto("/queues/all/")
    page.fill("#global-search", str(other["number"]))
    page.press("#global-search", "Enter")
    page.wait_for_url(f"**/tickets/{other['pk']}/")  # exactly a number: the ticket opens
    shot(page, "search-number")

    # The message says "зарплата"; the index keeps lemmas, so "зарплату" finds it.
    page.fill("#global-search", "зарплату")
    page.press("#global-search", "Enter")
    page.wait_for_url("**/search/?q=*")
    rows = page.locator("#rows tr.row")
    expect(rows).to_have_count(1)
    expect(rows).to_have_attribute("data-ticket", str(main["pk"]))
    mark = rows.locator(".snippet mark").first
    expect(mark).to_contain_text(re.compile("зарплат", re.IGNORECASE))
    shot(page, "search-word")


def test_second_agent_sees_presence_and_messages_live(alina: Page, petr: Page, server: Server,
                                                      shot: Shot):
    live = server.seed["live"]
    open_ticket(petr, live["pk"])
    open_ticket(alina, live["pk"])

    presence = petr.locator("#presence")
    viewing = (petr.locator("#presence").get_attribute("data-viewing") or "").replace(
        "%s", "Алина Админ")
    typing = (petr.locator("#presence").get_attribute("data-typing") or "").replace(
        "%s", "Алина Админ")
    expect(presence).to_be_visible()
    expect(presence).to_have_text(viewing)
    # He answers the newcomer, so she sees him too.
    expect(alina.locator("#presence")).to_contain_text("Пётр Агент")
    shot(petr, "presence-viewing")
    alina.locator("#reply-body").press_sequentially("Проверяю трек-номер")
    expect(presence).to_have_text(typing)
    shot(petr, "presence-typing")

    petr.evaluate("window.notReloaded = true")
    server.client_writes(text="Трек RA123456789RU, посылка так и не пришла.", thread="parcel",
                         external_id="parcel-2")
    expect(petr.locator("#conversation article")).to_have_count(2)
    expect(petr.locator("#conversation")).to_contain_text("RA123456789RU")
    assert petr.evaluate("window.notReloaded") is True
    shot(petr, "live-message")

    # A new ticket appears in an open queue, and the counts follow.
    petr.goto("/queues/all/")
    expect(petr.locator("body")).to_have_attribute("data-live", "on")
    petr.evaluate("window.notReloaded = true")
    before = int(petr.locator('#queues .count[data-queue="all"]').inner_text())
    petr.keyboard.press("j")
    petr.keyboard.press("j")
    chosen = petr.locator("#rows tr.row.selected")
    expect(chosen).to_have_count(1)
    chosen_ticket = chosen.get_attribute("data-ticket")
    server.client_writes(text="Добрый день, не могу войти в личный кабинет.",
                         subject="Не могу войти", thread="login", external_id="login-1",
                         name="Ольга Новая", email="olga@example.ru")
    expect(petr.locator("#rows tr.row", has_text="Не могу войти")).to_have_count(1)
    expect(petr.locator('#queues .count[data-queue="all"]')).to_have_text(str(before + 1))
    assert petr.evaluate("window.notReloaded") is True
    # The keyboard selection stays on the same ticket when the rows are refreshed.
    expect(petr.locator("#rows tr.row.selected")).to_have_attribute("data-ticket",
                                                                   chosen_ticket or "")
    shot(petr, "live-queue")
