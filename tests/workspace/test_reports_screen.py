"""The reports screen as a lead uses it [RP2]: last week beside the week before, a number
opening the tickets behind it, agents kept out."""

from __future__ import annotations

import re

from helpwire.conversations import reply
from helpwire.core.actors import Actor


def test_it_shows_monday_report_and_drills_into_a_number(ticket, agent, supervisor,
                                                         browser_as):
    reply(ticket=ticket, actor=Actor.of_agent(agent), text="Готово", status="solved")
    b = browser_as(supervisor)
    day = ticket.created_at.date().isoformat()
    page = b.get("/reports/", {"from": day, "to": day}).content.decode()
    links = re.findall(r'href="(tickets/\?[^"]*metric=created[^"]*)"', page)
    assert links, "the created figure links to its tickets"
    drill = b.get("/reports/" + links[0].replace("&amp;", "&")).content.decode()
    assert f"#{ticket.number}" in drill
    assert b.get("/reports/", {"from": "bad"}).status_code == 200  # says what is wrong
    assert browser_as(agent).get("/reports/").status_code in (302, 403)
