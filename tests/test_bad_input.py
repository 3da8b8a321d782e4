"""Bad input gets a clear 4xx and writes nothing — never a 500. Every workspace form and
list parameter is fed out-of-range numbers, impossible dates, empty strings and NUL bytes
[#9 items 10, 11]."""

from __future__ import annotations

import logging

import pytest
from django.test import Client as Browser

from helpwire.accounts.models import Group
from helpwire.clients.models import Client, Identity
from helpwire.tickets.models import BulkJob, Change, Message, Tag, Ticket
from helpwire.workspace.models import SavedView

NASTY = ["99999999999999999999", "-1", "0", "", "abc", "2030-13-45T99:99", "a\x00b",
         "１２３"]
HUGE = "99999999999999999999"


ID_FIELDS = {"assignee", "group", "channel", "source", "client", "company", "ids",
             "responsible"}
DATE_FIELDS = {"remind_at", "created_after"}


def _invalid_for(field: str, value: str) -> bool:
    """Values no field of this kind may use: NUL anywhere, non-ids for ids, impossible
    dates for dates (a subject may well be "99999999999999999999")."""
    if "\x00" in value:
        return True
    if field in ID_FIELDS:
        nobody = ("", "0") if field in ("assignee", "group", "channel") else ("",)  # 0: none
        return value not in nobody and not (value.isdigit() and 0 < int(value) < 2**53)
    if field in DATE_FIELDS:
        return value not in ("",) and "-13-45" in value
    return False


def _rows() -> dict[str, int]:
    return {m.__name__: m.objects.count() for m in (Ticket, Message, Change, Client, Identity,
                                                    SavedView, Tag, BulkJob, Group)}


@pytest.fixture
def forms_(ticket, support):
    """Each workspace form: its URL and a valid post, field by field."""
    t = ticket.pk
    return {
        f"/tickets/{t}/update/": {"status": "open", "priority": "low", "type": "question",
                                  "subject": "Тема", "assignee": "", "group": str(support.pk),
                                  "add_tag": "Доставка"},
        f"/tickets/{t}/reply/": {"body": "Текст", "kind": "note", "status": "",
                                 "channel": ""},
        f"/tickets/{t}/reminder/": {"remind_at": "2099-01-01T10:00"},
        f"/tickets/{t}/merge/": {"source": "1"},
        "/tickets/new/": {"name": "Новый", "kind": "call", "message": "Текст",
                          "group": str(support.pk), "assignee": "", "client": ""},
        "/bulk/": {"ids": str(t), "action": "priority", "value_priority": "low"},
        "/views/save/": {"name": "Фильтр", "client": "", "company": "", "channel": "",
                         "group": "", "created_after": ""},
        f"/clients/{ticket.client_id}/update/": {"name": "Мария", "company": "",
                                                  "responsible": "", "note": ""},
        f"/clients/{ticket.client_id}/merge/": {"source": "1"},
        "/settings/groups/": {"name": "Группа", "description": ""},
        "/settings/tags/": {"path": "Тег"},
    }


def test_it_answers_every_bad_value_of_every_form_with_a_4xx_or_ignores_it(
        browser_as, admin, forms_, caplog):
    b = browser_as(admin)
    for url, valid in forms_.items():
        for field in valid:
            for value in NASTY:
                before = _rows()
                response = b.post(url, {**valid, field: value}, HTTP_HX_REQUEST="true")
                status = response.status_code
                assert status < 500, (url, field, value, status)
                if status < 400 and _invalid_for(field, value):
                    # Accepted only when the value was not used at all.
                    assert _rows() == before, (url, field, value)
                if status >= 400:
                    assert _rows() == before, (url, field, value)
    assert "Traceback" not in caplog.text


@pytest.mark.parametrize("param", ["client", "company", "channel", "group", "assignee",
                                   "created_after", "sort", "cursor", "page", "period"])
def test_it_answers_every_bad_list_parameter_without_a_500(browser_as, admin, ticket, param):
    b = browser_as(admin)
    for value in NASTY:
        for url in ("/queues/all/", "/search/", "/bulk/count/"):
            response = b.get(url, {param: value, "q": "посылка" if url == "/search/" else "",
                                   "list_path": "/queues/all/", "list_query": f"{param}={value}"})
            assert response.status_code < 500, (url, param, value)


@pytest.mark.parametrize(("method", "url", "data"), [
    ("get", "/api/v1/tickets", {"assignee": HUGE}),
    ("get", "/api/v1/tickets", {"created_after": "2030-13-45T99:99"}),
    ("get", "/api/v1/clients", {"company": HUGE}),
    ("post", "/bulk/", {"ids": HUGE, "action": "priority", "value_priority": "low"}),
    ("post", "/views/save/", {"name": ""}),
    ("post", "/views/save/", {"name": "a\x00b"}),
])
def test_it_answers_the_requests_that_used_to_fail_with_a_4xx(browser_as, admin, method, url,
                                                              data):
    response = getattr(browser_as(admin), method)(url, data)
    assert 400 <= response.status_code < 500 or (
        url == "/bulk/" and 'role="alert"' in response.content.decode())


def test_it_refuses_nul_bytes_in_what_the_workspace_stores(browser_as, admin, ticket):
    b = browser_as(admin)
    before = _rows()
    b.post(f"/tickets/{ticket.pk}/update/", {"subject": "a\x00b"}, HTTP_HX_REQUEST="true")
    b.post(f"/tickets/{ticket.pk}/update/", {"add_tag": "Тег\x00"}, HTTP_HX_REQUEST="true")
    b.post(f"/clients/{ticket.client_id}/update/", {"name": "Ма\x00рия"})
    b.post(f"/clients/{ticket.client_id}/update/", {"name": "Мария", "note": "x\x00"})
    assert _rows() == before
    ticket.refresh_from_db()
    assert "\x00" not in ticket.subject and "\x00" not in ticket.client.name


def test_it_logs_the_traceback_of_a_500(client, monkeypatch, caplog):
    from helpwire import urls

    def boom(request):
        raise RuntimeError("something broke")

    monkeypatch.setattr(urls, "healthz", boom)
    monkeypatch.setattr(urls.urlpatterns[1].callback, "__code__", boom.__code__)
    caplog.set_level(logging.ERROR, logger="django.request")
    response = Browser(raise_request_exception=False).get("/healthz")
    assert response.status_code == 500
    record = next(r for r in caplog.records if r.name == "django.request")
    assert record.exc_info and "something broke" in str(record.exc_info[1])
    handlers = logging.getLogger("django.request").handlers
    assert any(isinstance(h, logging.StreamHandler) for h in handlers)
