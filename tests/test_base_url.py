"""Every link that leaves Helpwire is built from HELPWIRE_BASE_URL: never from a request's
Host header, and never naming a port the server does not listen on [#8 item 13; #9 item 1]."""

from __future__ import annotations

import pytest
from django.core.management.base import CommandError
from django.test import Client as Browser

from helpwire.core.management.commands.run import base_url


def test_it_builds_the_reset_link_from_the_base_url_not_the_host_header(agent, mailoutbox,
                                                                         settings):
    settings.HELPWIRE_BASE_URL = "https://help.example.com"
    settings.ALLOWED_HOSTS = ["*"]  # even a careless configuration cannot be poisoned
    Browser().post("/password-reset/", {"email": agent.email}, HTTP_HOST="evil.example")
    (mail,) = mailoutbox
    assert "https://help.example.com/password-reset/" in mail.body
    assert "evil.example" not in mail.body


def test_it_answers_only_the_hosts_it_serves(agent, mailoutbox):
    response = Browser().post("/password-reset/", {"email": agent.email},
                              HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert mailoutbox == []


def test_it_uses_the_address_it_serves_when_no_base_url_is_set(monkeypatch):
    monkeypatch.delenv("HELPWIRE_BASE_URL", raising=False)
    assert base_url("127.0.0.1", 9000) == "http://127.0.0.1:9000"
    monkeypatch.setenv("HELPWIRE_BASE_URL", "https://help.example.com/")
    assert base_url("0.0.0.0", 9000) == "https://help.example.com"  # noqa: S104


def test_it_refuses_to_serve_other_machines_without_a_base_url(monkeypatch):
    monkeypatch.delenv("HELPWIRE_BASE_URL", raising=False)
    with pytest.raises(CommandError, match="HELPWIRE_BASE_URL"):
        base_url("0.0.0.0", 8000)  # noqa: S104
