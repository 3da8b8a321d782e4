"""Search in the workspace: a total, pages beyond the first fifty, and a ticket number that
opens its ticket [#8 item 8]."""

from __future__ import annotations

import re

from django.utils import translation

from helpwire.search.query import search_page
from helpwire.tickets.access import visible_tickets


def _tickets(inbound, support, n: int, word: str = "зарплата") -> list:
    return [inbound(f"Не пришла {word} за месяц {i}", thread=f"s{i}", external_id=f"s{i}",
                    ticket_defaults={"group_id": support.pk}).ticket for i in range(n)]


def test_it_counts_and_pages_the_results(inbound, support, agent):
    made = _tickets(inbound, support, 7)
    first = search_page(q="зарплаты", queryset=visible_tickets(agent), per_page=3)
    assert (first.total, first.capped, first.has_next) == (7, False, True)
    pages = [first] + [search_page(q="зарплаты", queryset=visible_tickets(agent), per_page=3,
                                   page=n) for n in (2, 3)]
    seen = [h.ticket.pk for p in pages for h in p.hits]
    assert sorted(seen) == sorted(t.pk for t in made) and not pages[-1].has_next


def test_it_says_when_there_are_more_than_it_counts(inbound, support, agent):
    _tickets(inbound, support, 5)
    found = search_page(q="зарплата", queryset=visible_tickets(agent), per_page=2, cap=3)
    assert (found.total, found.capped) == (3, True)


def test_it_shows_the_total_and_loads_the_next_page(browser_as, agent, inbound, support):
    _tickets(inbound, support, 55)
    b = browser_as(agent)
    with translation.override("ru"):
        html = b.get("/search/", {"q": "зарплата"}).content.decode()
    assert "найдено 55" in html
    link = re.search(r'hx-get="([^"]*page=2[^"]*)"', html).group(1).replace("&amp;", "&")
    more = b.get(link, HTTP_HX_REQUEST="true").content.decode()
    assert more.count('class="row ') == 5 and "page=3" not in more


def test_it_opens_the_ticket_whose_number_is_searched(browser_as, agent, ticket):
    response = browser_as(agent).get("/search/", {"q": f"#{ticket.number}"})
    assert response.status_code == 302 and response["Location"] == f"/tickets/{ticket.pk}/"


def test_it_does_not_open_a_ticket_the_agent_may_not_see(browser_as, other_agent, ticket):
    response = browser_as(other_agent).get("/search/", {"q": str(ticket.number)})
    assert response.status_code == 200


def test_it_shows_each_ticket_with_its_own_snippet(browser_as, agent, inbound, support):
    lost = inbound("Курьер потерял посылку с кофеваркой", thread="a", external_id="a",
                   ticket_defaults={"group_id": support.pk}).ticket
    late = inbound("Посылка опаздывает на неделю", thread="b", external_id="b",
                   ticket_defaults={"group_id": support.pk}).ticket
    html = browser_as(agent).get("/search/", {"q": "посылка"}).content.decode()
    rows = {int(m.group(1)): m.group(2) for m in re.finditer(
        r'<tr class="row [^"]*" data-ticket="(\d+)">(.*?)</tr>', html, re.S)}
    assert "кофеваркой" in rows[lost.pk] and "кофеваркой" not in rows[late.pk]
    assert "неделю" in rows[late.pk] and "неделю" not in rows[lost.pk]
    assert "<mark>" in rows[lost.pk]
