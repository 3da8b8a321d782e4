"""Mentions of outside addresses mail the note from Helpwire's own address, so they need a
permission, an allowed domain, and stay under a rate [#9 item 9]."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError

from helpwire.conversations import reply
from helpwire.tickets.actions import assign
from helpwire.tickets.models import Message
from tests.conftest import as_agent


@pytest.fixture(autouse=True)
def _domains(settings):
    settings.HELPWIRE_MENTION_DOMAINS = ["partner.example"]
    settings.HELPWIRE_MENTION_RATE = 2
    cache.clear()
    yield
    cache.clear()


def _note(ticket, who, text):
    return reply(ticket=ticket, actor=as_agent(who), kind="note", text=text)


def test_it_lets_an_agent_mention_an_allowed_domain(agent, ticket,
                                                    django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        _note(ticket, agent, "@lawyer@partner.example посмотрите договор")
    assert len(callbacks) >= 1 and Message.objects.filter(kind="note").count() == 1


def test_it_refuses_other_domains_and_writes_nothing(agent, ticket):
    with pytest.raises(ValidationError) as caught:
        _note(ticket, agent, "@victim@elsewhere.example срочно оплатите счёт")
    assert caught.value.code == "mention_domain"
    assert not Message.objects.filter(kind="note").exists()


def test_it_refuses_a_contractor_mentioning_outside(agent, contractor, ticket):
    assign(ticket=ticket, assignee=contractor, actor=as_agent(agent))
    with pytest.raises(PermissionDenied):
        _note(ticket, contractor, "@lawyer@partner.example привет")


def test_it_limits_outside_mentions_per_agent_and_hour(agent, ticket):
    _note(ticket, agent, "@a@partner.example раз")
    _note(ticket, agent, "@b@partner.example два")
    with pytest.raises(ValidationError) as caught:
        _note(ticket, agent, "@c@partner.example три")
    assert caught.value.code == "rate_limited"
