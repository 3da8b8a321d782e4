"""The ``helpwire`` command line: agents and tokens."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from helpwire.accounts.models import Agent, ApiToken


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_it_creates_an_agent_with_a_role_and_password():
    _run("agent", "create", "--email", "Lead@Example.com", "--name", "Лида",
         "--role", "supervisor", "--password", "s3cret-pass")
    agent = Agent.objects.get(email="lead@example.com")
    assert agent.role == "supervisor" and agent.check_password("s3cret-pass")


@pytest.mark.django_db
def test_it_refuses_a_duplicate_agent():
    _run("agent", "create", "--email", "a@example.com", "--name", "A")
    with pytest.raises(CommandError):
        _run("agent", "create", "--email", "a@example.com", "--name", "A")


@pytest.mark.django_db
def test_it_prints_a_token_on_the_last_line_and_stores_only_its_digest(agent):
    out = _run("token", "create", "--email", agent.email)
    raw = out.strip().splitlines()[-1]
    assert raw.startswith("hw_") and len(raw) > 30
    token = ApiToken.objects.get(agent=agent)
    assert raw not in (token.digest, token.hint)
    assert ApiToken.authenticate(raw) == agent
    assert ApiToken.authenticate(raw + "x") is None


@pytest.mark.django_db
def test_it_refuses_a_token_for_an_unknown_agent():
    with pytest.raises(CommandError):
        _run("token", "create", "--email", "nobody@example.com")
