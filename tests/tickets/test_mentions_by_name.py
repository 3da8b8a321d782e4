"""@mentions by name — "@Дмитрий Орлов", as the demo's notes and the autocomplete write
them — notify the agent like an @email does [TK6; #8 item 7]."""

from __future__ import annotations

from helpwire.accounts.models import Agent, Role
from helpwire.conversations import reply
from helpwire.tickets.mentions import mentioned_by_name
from tests.conftest import as_agent


def _named(name: str, email: str) -> Agent:
    return Agent.objects.create_user(email, "pw-123456", name=name, role=Role.AGENT)


def test_it_finds_agents_by_full_name_the_longest_first(db):
    anna = _named("Анна", "anna@helpwire.test")
    anna_p = _named("Анна Петрова", "anna.p@helpwire.test")
    dmitry = _named("Дмитрий Орлов", "dmitry@helpwire.test")
    found = mentioned_by_name("@анна петрова, @Дмитрий Орлов: гляньте. А @Анна — нет? x@Анна")
    assert {a.pk for a in found} == {anna_p.pk, dmitry.pk, anna.pk}
    assert mentioned_by_name("пишите на support@Анна.ru") == []


def test_it_notifies_an_agent_mentioned_by_name_in_a_note(agent, ticket):
    dmitry = _named("Дмитрий Орлов", "dmitry@helpwire.test")
    reply(ticket=ticket, actor=as_agent(agent), kind="note",
          text="@Дмитрий Орлов, посмотри, пожалуйста, это по твоей части.")
    assert dmitry.notifications.filter(kind="mention", ticket=ticket).count() == 1
    assert ticket.mentioned.filter(pk=dmitry.pk).exists()


def test_it_counts_unread_notifications_in_the_top_bar(browser_as, agent, ticket, contractor):
    reply(ticket=ticket, actor=as_agent(agent), kind="note", text=f"@{contractor.name} глянь")
    html = browser_as(contractor).get("/queues/mine/").content.decode()
    assert 'class="badge notif-count" data-count="1"' in html
    browser_as(contractor).post("/notifications/read/")
    html = browser_as(contractor).get("/queues/mine/").content.decode()
    assert 'data-count="0" hidden' in html
