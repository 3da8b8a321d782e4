"""The XSS corpus in a real browser [#9]: every field a client, an agent or an admin can fill
carries payloads; every screen is opened; nothing may run — no dialog, no request to the
attacker's host, no on* attribute or javascript: URL in the DOM."""

from __future__ import annotations

from typing import Any

from tests.e2e.harness import PASSWORD, Server, require_chromium

require_chromium()

BEACON = "xss.beacon"
PAYLOADS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(1)",
    "<svg onload=alert(1)>",
    "'><iframe src=javascript:alert(1)>",
    '<a href="javascript:alert(1)">click</a>',
    "{{7*7}} ${alert(1)} {% debug %}",
    f'<img src="http://{BEACON}/pixel.gif">',
    '" autofocus onfocus=alert(1) x="',
    "</textarea><script>alert(1)</script>",
    '<math><mi xlink:href="javascript:alert(1)">m</mi></math>',
    "<details open ontoggle=alert(1)>",
    f'<style>@import "http://{BEACON}/c.css";</style>',
    '<object data="javascript:alert(1)"></object>',
    "<body onload=alert(1)>",
    "<input onfocus=alert(1) autofocus>",
    f'<base href="http://{BEACON}/">',
    f'<meta http-equiv="refresh" content="0;url=http://{BEACON}/">',
    f'<form action="http://{BEACON}/"><button>go</button></form>',
    '<a href="&#106;avascript:alert(1)">entity</a>',
    "<img src=x:alert(1) onerror=eval(src)>",
]

SEED = """
import json
from helpwire.accounts.models import Agent, Group
from helpwire.automation.models import ReplyTemplate
from helpwire.clients.models import Company
from helpwire.connectors.models import Channel
from helpwire.connectors.types import InboundMessage, Sender
from helpwire.conversations import ingest, reply
from helpwire.core.actors import Actor
from helpwire.tickets import tags
from helpwire.tickets.actions import update_ticket
from helpwire.tickets.models import CustomField
from helpwire.workspace.models import SavedView
payloads = json.loads({payloads!r})
alina = Agent.objects.get(email="alina@helpwire.test")
support = Group.objects.get(name="Техподдержка")
api = Channel.builtin("api")
field = CustomField.objects.create(key="xss", label=payloads[1], kind="text")
ids = []
for n, p in enumerate(payloads):
    t = ingest(InboundMessage(
        channel_id=api.pk, sender=Sender(name=p[:150], email=f"x{{n}}@example.ru"),
        text=p, html=p, subject=p[:400], thread_key=f"xss-{{n}}", external_id=f"xss-{{n}}",
        ticket_defaults={{"group_id": support.pk}})).ticket
    reply(ticket=t, actor=Actor.of_agent(alina), text=p, kind="note")
    tag = p[:90].replace(">", "").replace("/", "")
    update_ticket(ticket=t, actor=Actor.of_agent(alina), add_tags=[tag],
                  field_values={{"xss": p[:4000]}})
    ids.append(t.pk)
    Company.objects.create(name=p[:200])
    ReplyTemplate.objects.create(section=p[:100], title=p[:100], body=p)
    SavedView.objects.create(name=p[:100], owner=alina, filters={{}})
    Group.objects.create(name=("g" + str(n) + p)[:100], description=p[:500])
Agent.objects.filter(pk=alina.pk).update(name=payloads[0][:100])
from helpwire.tickets.models import Ticket
print(json.dumps({{"tickets": ids[:6], "client": Ticket.objects.get(pk=ids[1]).client_id}}))
"""

SCREENS = ["/queues/all/", "/search/?q=alert", "/settings/templates/", "/settings/groups/",
           "/settings/tags/", "/settings/fields/", "/settings/agents/", "/notifications/",
           "/tickets/new/"]
SCAN = """
() => {
  const bad = [];
  for (const el of document.querySelectorAll("*")) {
    for (const attr of el.attributes) {
      const v = (attr.value || "").trim().toLowerCase().replace(/\\s/g, "");
      if (attr.name.startsWith("on")) bad.push(el.tagName + " " + attr.name);
      if (["href", "src", "action", "data", "formaction", "xlink:href"].includes(attr.name)
          && v.startsWith("javascript:")) bad.push(el.tagName + " " + attr.name + " js");
    }
  }
  const planted = "#main iframe, #main object, #main embed, #main base, #main meta, "
    + "#main form[action*=beacon], script:not([src])";
  for (const el of document.querySelectorAll(planted))
    bad.push("element " + el.tagName);
  return bad;
}
"""


def test_no_payload_runs_anywhere(browser: Any, server: Server):
    import json

    seeded = json.loads(server.shell(SEED.format(payloads=json.dumps(PAYLOADS))))
    screens = [*SCREENS, *(f"/tickets/{pk}/" for pk in seeded["tickets"]),
               f"/clients/{seeded['client']}/"]
    context = browser.new_context(base_url=server.url, locale="ru-RU")
    page = context.new_page()
    ran: list[str] = []
    page.on("dialog", lambda d: (ran.append(f"dialog: {d.message}"), d.dismiss()))
    page.on("request", lambda r: ran.append(f"request: {r.url}") if BEACON in r.url else None)
    page.goto("/login/")
    page.fill("#id_username", "alina@helpwire.test")
    page.fill("#id_password", PASSWORD)
    page.click("form button.primary")
    page.wait_for_load_state()
    found: dict[str, list[str]] = {}
    for path in screens:
        page.goto(path)
        page.wait_for_load_state("networkidle")
        if path.startswith("/tickets/") and path[9:-1].isdigit():
            page.locator("details.tagtree summary").click()
            page.click("#template-open")
            page.wait_for_timeout(300)
        problems = page.evaluate(SCAN)
        if problems:
            found[path] = problems
    context.close()
    assert ran == [] and found == {}
