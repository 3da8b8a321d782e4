"""Client ratings [RP1 AU10]: the solving reply carries three signed, expiring links; a
GET (a mail scanner) records nothing, the page's POST does; a grade changes until the ticket
closes; a manager excludes one with a reason; a bad grade reopens the ticket by a rule."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from helpwire.conversations import reply
from helpwire.conversations.tasks import _outbound
from helpwire.core.actors import Actor
from helpwire.core.models import Event
from helpwire.reports import actions, ratings
from helpwire.reports.models import Fact, Rating, RatingSettings
from helpwire.tickets.actions import set_status
from helpwire.tickets.models import Change, Message, Status
from tests.automation.test_rules import rule


@pytest.fixture
def solved(ticket, agent):
    message = reply(ticket=ticket, actor=Actor.of_agent(agent), text="Готово",
                    status="solved")
    return ticket, message


def link_of(message, grade):
    html = _outbound(Message.objects.get(pk=message.pk)).html
    return re.search(rf'href="http://[^/]+(/rate/[^"]+grade={grade})"', html).group(1)


def test_it_attaches_three_signed_links_to_the_solving_reply(solved, agent):
    ticket, message = solved
    rating = Rating.objects.get(ticket=ticket)
    assert rating.agent == agent and rating.message_id == message.pk and rating.grade == ""
    out = _outbound(Message.objects.get(pk=message.pk))
    for grade in ("good", "normal", "bad"):
        assert f"grade={grade}" in out.html and f"grade={grade}" in out.text
    # The conversation agents read stays the reply they wrote.
    assert "rate/" not in Message.objects.get(pk=message.pk).body_html
    assert str(rating.pk) + ":" in link_of(message, "good")  # a signed token, not a bare id


def test_it_records_a_grade_only_by_the_pages_post(solved, client):
    ticket, message = solved
    url = link_of(message, "bad")
    page = client.get(url)  # what a mail scanner does
    assert page.status_code == 200 and 'value="bad" checked' in page.content.decode()
    assert Rating.objects.get(ticket=ticket).grade == ""
    done = client.post(url.split("?")[0], {"grade": "bad", "comment": "Долго"})
    assert done.status_code == 200
    rating = Rating.objects.get(ticket=ticket)
    assert (rating.grade, rating.comment) == ("bad", "Долго")
    event = Event.objects.get(kind="rating.received")
    assert event.payload["grade"] == "bad" and event.payload["comment"] == "Долго"
    assert Change.objects.filter(ticket=ticket, field="rating", new="bad").exists()
    assert Fact.objects.filter(ticket=ticket, metric="bad").count() == 1
    # Changeable until the ticket closes: the fact follows.
    client.post(url.split("?")[0], {"grade": "good", "comment": ""})
    assert Fact.objects.filter(ticket=ticket, metric="good").count() == 1
    assert not Fact.objects.filter(ticket=ticket, metric="bad").exists()


def test_it_refuses_forged_expired_and_closed(solved, client, agent):
    ticket, message = solved
    url = link_of(message, "good").split("?")[0]
    forged = re.sub(r"/rate/(\d+):", lambda m: f"/rate/{int(m.group(1)) + 1}:", url)
    assert client.post(forged, {"grade": "good"}).status_code == 410
    with time_machine.travel(timezone.now() + timedelta(days=31)):
        assert client.post(url, {"grade": "good"}).status_code == 410
    set_status(ticket=ticket, status=Status.CLOSED, actor=Actor.of_agent(agent))
    page = client.post(url, {"grade": "good"})
    assert "closed" in page.content.decode() or "закрыт" in page.content.decode()
    assert Rating.objects.get(ticket=ticket).grade == ""


def test_it_asks_once_per_ticket_unless_told_every_time(solved, agent, inbound):
    ticket, _message = solved
    inbound("Снова не работает", thread="t-1")  # reopens it
    reply(ticket=ticket, actor=Actor.of_agent(agent), text="Исправили", status="solved")
    assert Rating.objects.filter(ticket=ticket).count() == 1
    RatingSettings.objects.update_or_create(pk=1, defaults={"frequency": "every"})
    inbound("И опять", thread="t-1")
    reply(ticket=ticket, actor=Actor.of_agent(agent), text="Теперь точно", status="solved")
    assert Rating.objects.filter(ticket=ticket).count() == 2


def test_it_lets_a_manager_exclude_a_rating_with_a_reason(solved, supervisor, agent,
                                                          browser_as):
    ticket, _message = solved
    rating = Rating.objects.get(ticket=ticket)

    actions.rate(rating_id=rating.pk, grade="bad", comment="")
    url = f"/api/v1/ratings/{rating.pk}/exclude"
    assert browser_as(agent).post(url, {"excluded": True, "reason": "x"},
                                  content_type="application/json").status_code == 403
    refused = browser_as(supervisor).post(url, {"excluded": True, "reason": " "},
                                          content_type="application/json")
    assert refused.status_code == 400 and not Rating.objects.get(pk=rating.pk).excluded
    ok = browser_as(supervisor).post(url, {"excluded": True, "reason": "Клиент ошибся"},
                                     content_type="application/json")
    assert ok.status_code == 200 and ok.json()["excluded"] is True
    assert not Fact.objects.filter(ticket=ticket, metric="bad").exists()
    line = Change.objects.get(ticket=ticket, field="rating_excluded")
    assert line.new == "Клиент ошибся" and line.actor_agent == supervisor


def test_it_reopens_a_badly_rated_ticket_for_the_service_manager(solved, supervisor):
    ticket, _message = solved
    rule(name="Плохая оценка", events=["rating.received"],
         conditions={"all": [{"field": "rating.grade", "op": "is", "value": "bad"}]},
         actions=[{"type": "set_status", "value": "open"},
                  {"type": "assign", "agent_id": supervisor.pk}])

    actions.rate(rating_id=Rating.objects.get(ticket=ticket).pk, grade="bad", comment="Ужас")
    ticket.refresh_from_db()
    assert (ticket.status, ticket.assignee) == (Status.OPEN, supervisor)


def test_it_checks_the_token_signature(solved):
    ticket, _message = solved
    rating = Rating.objects.get(ticket=ticket)
    assert ratings.rating_of(ratings.token(rating)) == rating
    with pytest.raises(ratings.LinkError):
        ratings.rating_of(str(rating.pk))
