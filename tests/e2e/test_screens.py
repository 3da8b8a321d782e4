"""Every screen, as a support lead sees it: Russian and English, 1280 and 800 px wide. A
screen fails on a console error, a Content-Security-Policy violation, a failed request, a
page wider than the window, or an English catalogue message left untranslated in the
Russian UI [#8 items 12, 14, 15]."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.harness import ARTIFACTS, PASSWORD, Server, require_chromium
from tests.test_i18n import LOCALE, parse_po

require_chromium()

SCREENS = [
    "/queues/all/", "/queues/mine/", "/queues/unassigned/", "/queues/solved/",
    "/search/?q=зарплата", "/tickets/{main}/", "/tickets/{other}/", "/clients/{client}/",
    "/tickets/new/", "/notifications/", "/preferences/", "/settings/", "/settings/agents/",
    "/settings/agents/new/", "/settings/groups/", "/settings/channels/", "/settings/tags/",
    "/settings/fields/", "/settings/templates/", "/settings/mailboxes/",
    "/settings/mailboxes/new/", "/settings/mailboxes/quarantine/",
]
# Catch CSP violations in the page itself (they also reach the console, but not always).
WATCH = """
window.__problems = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__problems.push("CSP: " + e.violatedDirective + " " + (e.blockedURI || "inline"));
});
"""
VISIBLE_TEXT = """
() => {
  const out = [];
  const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walk.nextNode()) {
    const el = walk.currentNode.parentElement;
    if (!el || el.closest("script, style, [hidden], template, code")) continue;
    const text = walk.currentNode.textContent.trim();
    if (text) out.push(text);
  }
  for (const el of document.querySelectorAll("[placeholder], [title], [aria-label]")) {
    for (const attr of ["placeholder", "title", "aria-label"]) {
      const v = el.getAttribute(attr);
      if (v) out.push(v.trim());
    }
  }
  return out;
}
"""


def _english_messages() -> set[str]:
    """Catalogue messages whose Russian differs: seeing one of these in the Russian UI means
    a string escaped translation."""
    out = set()
    for entry in parse_po(LOCALE / "ru" / "LC_MESSAGES" / "django.po")[1:]:
        text = entry.msgid
        ru = entry.msgstr.get(0, "")
        if "%" in text or len(text) < 4 or not re.search(r"[A-Za-z]{3}", text) or ru == text:
            continue
        out.add(text)
    return out


@pytest.fixture(scope="module")
def ids(server: Server) -> dict[str, Any]:
    return {"main": server.seed["main"]["pk"], "other": server.seed["other"]["pk"],
            "client": server.shell("from helpwire.clients.models import Client\n"
                                   "print(Client.objects.order_by('pk').first().pk)")}


@pytest.mark.parametrize("lang", ["ru", "en"])
@pytest.mark.parametrize("width", [1280, 800])
def test_every_screen_is_clean(browser: Any, server: Server, ids: dict[str, Any], lang: str,
                               width: int):
    english = _english_messages() if lang == "ru" else set()
    context = browser.new_context(viewport={"width": width, "height": 900},
                                  base_url=server.url, locale={"ru": "ru-RU", "en": "en-US"}[lang],
                                  extra_http_headers={"Accept-Language": lang})
    context.add_init_script(WATCH)
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}")
            if m.type == "error" else None)
    page.on("response", lambda r: problems.append(f"{r.status} {r.url}")
            if r.status >= 400 and server.url in r.url else None)
    page.goto("/login/")
    page.fill("#id_username", "alina@helpwire.test")
    page.fill("#id_password", PASSWORD)
    page.click("form button.primary")
    page.wait_for_load_state()
    # The agent's own language wins over the browser's: set it to the one under test.
    page.goto("/preferences/")
    page.select_option("#id_language", lang)
    page.locator("form button.primary").click()
    page.wait_for_load_state()
    folder: Path = ARTIFACTS / "screens" / f"{lang}-{width}"
    folder.mkdir(parents=True, exist_ok=True)
    found: dict[str, list[str]] = {}
    for template in SCREENS:
        path = template.format(**ids)
        problems.clear()
        page.goto(path)
        page.wait_for_load_state("networkidle")
        if "/tickets/" in path and path.rstrip("/").split("/")[-1].isdigit():
            page.locator("details.tagtree summary").click()  # the tag tree, opened
        page.screenshot(path=str(folder / (re.sub(r"\W+", "_", path).strip("_") + ".png")))
        problems += page.evaluate("window.__problems")
        wide = page.evaluate("document.documentElement.scrollWidth")
        if wide > width + 1:
            problems.append(f"page is {wide}px wide in a {width}px window")
        if english:
            left = sorted({t for t in page.evaluate(VISIBLE_TEXT) if t in english})
            if left:
                problems.append(f"untranslated: {left}")
        if problems:
            found[path] = list(problems)
    context.close()
    assert found == {}
