"""Logins slow down instead of locking, the Django admin's too; forwarded addresses are
believed only from trusted proxies; HTTPS turns on secure cookies and HSTS [#9 items 2, 6, 7]."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.core.cache import cache
from django.test import Client as Browser

from helpwire.core.management.commands import web


@pytest.fixture(autouse=True)
def _fresh_limits():
    cache.clear()
    yield
    cache.clear()


def _login(path: str, email: str, password: str, ip: str):
    return Browser(REMOTE_ADDR=ip).post(path, {"username": email, "password": password})


def test_it_slows_a_guesser_down_without_locking_the_real_person_out(agent):
    for _ in range(6):
        _login("/login/", agent.email, "wrong", "203.0.113.9")
    refused = _login("/login/", agent.email, "pw-123456", "203.0.113.9")
    assert refused.status_code == 200 and "_auth_user_id" not in refused.client.session
    assert "Попробуйте снова через" in refused.content.decode()
    # The real person, elsewhere, is not kept out by the guesser.
    ok = _login("/login/", agent.email, "pw-123456", "198.51.100.7")
    assert ok.status_code == 302


def test_it_throttles_the_django_admin_login_the_same_way(admin):
    for _ in range(6):
        _login("/admin/login/", admin.email, "wrong", "203.0.113.10")
    refused = _login("/admin/login/", admin.email, "pw-123456", "203.0.113.10")
    assert refused.status_code == 200
    assert "_auth_user_id" not in refused.client.session


def test_it_believes_forwarded_addresses_only_from_listed_proxies(settings, monkeypatch):
    seen: dict[str, object] = {}
    monkeypatch.setattr(web.uvicorn, "run", lambda *a, **kw: seen.update(kw))
    settings.HELPWIRE_TRUSTED_PROXIES = []
    web.Command().handle(host="127.0.0.1", port=8000)
    assert seen["proxy_headers"] is False
    settings.HELPWIRE_TRUSTED_PROXIES = ["10.0.0.5"]
    web.Command().handle(host="127.0.0.1", port=8000)
    assert seen["proxy_headers"] is True and seen["forwarded_allow_ips"] == "10.0.0.5"


@pytest.mark.parametrize(("base", "secure"), [("https://help.example.com", True),
                                              ("http://127.0.0.1:8000", False)])
def test_it_secures_cookies_and_sends_hsts_when_served_over_https(base, secure, tmp_path):
    env = {**os.environ, "HELPWIRE_BASE_URL": base, "HELPWIRE_DATA_DIR": str(tmp_path),
           "DJANGO_SETTINGS_MODULE": "helpwire.settings"}
    out = subprocess.run([sys.executable, "-c", (
        "from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS > 0)")],
        env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split() == [str(secure)] * 3
