"""Mailbox settings [CH1]: an admin connects and edits mailboxes without the command line,
tests a connection without saving, and sorts out the quarantine."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
from django.test import Client as Browser
from django.urls import reverse

from helpwire.mail import crypto
from helpwire.mail.actions import create_mailbox
from helpwire.mail.intake import deliver
from helpwire.mail.models import Mailbox, RawMail, RawState
from helpwire.tickets.models import Ticket
from tests.conftest import as_agent
from tests.workspace.test_settings import _Markup

GARBAGE = b"\x89PNG garbage"


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A loopback port where connecting is refused at once (bound, never listening)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        yield s.getsockname()[1]


@pytest.fixture(autouse=True)
def _english(admin) -> None:
    """The assertions read the English texts (the Russian ones are checked by test_i18n)."""
    admin.language = "en"
    admin.save(update_fields=["language"])


@pytest.fixture
def mailbox(admin, support) -> Mailbox:
    return create_mailbox(actor=as_agent(admin), address="help@shop.test", name="Поддержка",
                          group=support, imap_password="imap-secret-1",
                          smtp_password="smtp-secret-1", imap_host="imap.shop.test",
                          imap_user="help", smtp_host="smtp.shop.test", smtp_user="help")


def _form(mailbox: Mailbox | None = None, **changes: object) -> dict[str, object]:
    """What the form posts back as shown (passwords empty, as they are never shown)."""
    data: dict[str, object] = {
        "address": "help@shop.test", "name": "Поддержка", "group": "",
        "imap_host": "", "imap_port": 993, "imap_security": "ssl", "imap_user": "",
        "imap_password": "", "imap_folder": "INBOX", "poll_seconds": 60,
        "smtp_host": "", "smtp_port": 465, "smtp_security": "ssl", "smtp_user": "",
        "smtp_password": "", "signature_html": "",
    }
    if mailbox is not None:
        for name in data:
            if hasattr(mailbox, name) and not name.endswith("_password"):
                data[name] = getattr(mailbox, name)
        data["name"] = mailbox.channel.name
        data["group"] = mailbox.channel.default_group_id or ""
        for flag in ("is_internal", "is_system"):
            if getattr(mailbox, flag):
                data[flag] = "on"
    data.update(changes)
    return data


def _url(name: str, *args: object) -> str:
    return reverse(f"workspace:{name}", args=args)


def test_it_adds_a_mailbox_with_its_password_encrypted(browser_as, admin, support):
    response = browser_as(admin).post(_url("settings_mailbox_new"), _form(
        address="Sales@Shop.test", name="Продажи", group=support.pk, imap_host="imap.shop.test",
        imap_password="imap-pass-1", smtp_host="smtp.shop.test", smtp_port=587,
        smtp_security="starttls", smtp_user="sales", smtp_password="smtp-pass-1",
        poll_seconds=120, signature_html="<p>{{agent.name}}, {{ticket.number}}</p>",
        is_internal="on"))

    assert response.status_code == 302 and response["Location"] == _url("settings_mailboxes")
    box = Mailbox.objects.select_related("channel").get(address="sales@shop.test")
    assert box.channel.name == "Продажи" and box.channel.default_group == support
    assert (box.smtp_port, box.smtp_security, box.poll_seconds) == (587, "starttls", 120)
    assert box.is_internal and not box.is_system
    assert "imap-pass-1" not in box.imap_secret and crypto.decrypt(box.imap_secret) == "imap-pass-1"
    assert crypto.decrypt(box.smtp_secret) == "smtp-pass-1"
    assert box.signature_html == "<p>{{agent.name}}, {{ticket.number}}</p>"
    listing = browser_as(admin).get(_url("settings_mailboxes")).content.decode()
    assert "sales@shop.test" in listing and "imap.shop.test:993" in listing


def test_it_keeps_the_stored_password_when_the_field_is_left_empty(browser_as, admin,
                                                                    mailbox):
    before = (mailbox.imap_secret, mailbox.smtp_secret)
    page = browser_as(admin).get(_url("settings_mailbox_edit", mailbox.pk))
    html = page.content.decode()
    assert "imap-secret-1" not in html and mailbox.imap_secret not in html  # never pre-filled
    assert "Leave empty to keep the stored password." in html

    response = browser_as(admin).post(_url("settings_mailbox_edit", mailbox.pk),
                                      _form(mailbox, poll_seconds=300, name="Помощь"))

    assert response.status_code == 302
    mailbox.refresh_from_db()
    assert (mailbox.imap_secret, mailbox.smtp_secret) == before
    assert mailbox.poll_seconds == 300 and mailbox.channel.name == "Помощь"
    browser_as(admin).post(_url("settings_mailbox_edit", mailbox.pk),
                           _form(mailbox, smtp_password="smtp-secret-2"))
    mailbox.refresh_from_db()
    assert mailbox.imap_secret == before[0]
    assert crypto.decrypt(mailbox.smtp_secret) == "smtp-secret-2"


def test_it_keeps_the_address_read_only(browser_as, admin, mailbox):
    browser_as(admin).post(_url("settings_mailbox_edit", mailbox.pk),
                           _form(mailbox, address="evil@elsewhere.test"))
    mailbox.refresh_from_db()
    assert mailbox.address == "help@shop.test"


def test_it_explains_a_bad_mailbox_on_the_form(browser_as, admin, mailbox, api_channel):
    b = browser_as(admin)
    response = b.post(_url("settings_mailbox_new"),
                      _form(imap_port=0, smtp_port=70000, imap_host="imap.x.test"))
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert set(errors) >= {"imap_port", "smtp_port", "imap_password"}

    response = b.post(_url("settings_mailbox_new"), _form(name="Другая"))  # the same address
    assert response.status_code == 400
    assert "There is already a mailbox for help@shop.test." in \
        response.context["form"].errors["address"]

    response = b.post(_url("settings_mailbox_new"), _form(address="new@shop.test", name="API"))
    assert response.status_code == 400 and "name" in response.context["form"].errors

    response = b.post(_url("settings_mailbox_edit", mailbox.pk),
                      _form(mailbox, signature_html="{{ticket.secret}}"))
    assert response.status_code == 400
    assert "{{ticket.secret}}" in str(response.context["form"].errors["signature_html"])
    assert Mailbox.objects.count() == 1


def test_it_tests_the_connection_as_typed_and_saves_nothing(browser_as, admin, mailbox,
                                                            closed_port):
    before = Mailbox.objects.filter(pk=mailbox.pk).values().get()

    response = browser_as(admin).post(_url("settings_mailbox_test", mailbox.pk), _form(
        mailbox, imap_host="127.0.0.1", imap_port=closed_port, imap_security="none",
        smtp_host="", imap_password="typed-not-saved"))

    assert response.status_code == 200
    html = response.content.decode()
    report = response.context["report"]
    assert "Connection refused" in report.imap and report.imap in html
    assert not report.smtp_checked
    assert "<strong>IMAP:</strong>" in html and "<strong>SMTP:</strong>" in html
    assert Mailbox.objects.filter(pk=mailbox.pk).values().get() == before
    assert response.context["form"]["imap_port"].value() == str(closed_port)  # kept as typed
    assert "typed-not-saved" not in html


def test_it_refuses_every_mailbox_screen_to_non_admins(browser_as, agent, supervisor,
                                                       mailbox):
    raw = deliver(mailbox=mailbox, raw=GARBAGE).raw
    pages = [_url("settings_mailboxes"), _url("settings_mailbox_new"),
             _url("settings_mailbox_edit", mailbox.pk), _url("settings_quarantine"),
             _url("settings_quarantine_original", raw.pk)]
    writes = [(_url("settings_mailbox_new"), _form(address="x@shop.test")),
              (_url("settings_mailbox_edit", mailbox.pk), _form(mailbox, poll_seconds=999)),
              (_url("settings_mailbox_test", mailbox.pk), _form(mailbox)),
              (_url("settings_quarantine_release", raw.pk), {})]
    for person in (agent, supervisor):
        b = browser_as(person)
        for url in pages:
            assert b.get(url).status_code == 403, url
        for url, data in writes:
            assert b.post(url, data).status_code == 403, url
    assert Mailbox.objects.count() == 1
    assert Mailbox.objects.get().poll_seconds == 60
    assert RawMail.objects.get(pk=raw.pk).state == RawState.QUARANTINED
    assert Browser().get(_url("settings_mailboxes")).status_code == 302  # to the login


def test_it_renders_each_mailbox_screen_accessibly(browser_as, admin, mailbox):
    deliver(mailbox=mailbox, raw=GARBAGE)
    b = browser_as(admin)
    for url in (_url("settings_mailboxes"), _url("settings_mailbox_new"),
                _url("settings_mailbox_edit", mailbox.pk), _url("settings_quarantine")):
        response = b.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert f'href="{_url("settings_mailboxes")}" aria-current="page"' in html
        markup = _Markup()
        markup.feed(html)
        assert markup.inline == [], url
        assert [c for c in markup.controls if c is None or c not in markup.label_for] == [], url
        assert markup.th_without_scope == 0, url


def test_it_shows_the_health_of_a_failing_mailbox(browser_as, admin, mailbox, support):
    create_mailbox(actor=as_agent(admin), address="pipe@shop.test", group=support)
    Mailbox.objects.filter(pk=mailbox.pk).update(
        failures=4, last_error="IMAP4.error: b'[AUTHENTICATIONFAILED] Authentication failed.'")

    html = browser_as(admin).get(_url("settings_mailboxes")).content.decode()

    assert '<div class="error last-error">IMAP4.error: b&#x27;[AUTHENTICATIONFAILED] ' \
           'Authentication failed.&#x27;</div>' in html
    assert "Failing: 4 checks in a row" in html
    assert "fed by the mail server pipe" in html
    assert "Техподдержка" in html


def test_it_lists_quarantined_mail_newest_first_25_a_page(browser_as, admin, mailbox):
    for n in range(26):
        deliver(mailbox=mailbox, raw=GARBAGE + b" %d" % n)
    taken = deliver(mailbox=mailbox, raw=b"From: maria@example.ru\r\nSubject: Hi\r\n\r\nText\r\n")
    assert taken.state == RawState.TAKEN
    b = browser_as(admin)

    first = b.get(_url("settings_quarantine"))
    second = b.get(_url("settings_quarantine") + "?page=2")

    rows = list(first.context["listing"]) + list(second.context["listing"])
    assert len(first.context["listing"]) == 25 and len(rows) == 26
    assert [r.pk for r in rows] == sorted((r.pk for r in rows), reverse=True)
    assert "not an email message: no header block" in first.content.decode()
    assert "26 mails in quarantine." in b.get(_url("settings_mailboxes")).content.decode()


def test_it_takes_a_quarantined_mail_in_again(browser_as, admin, mailbox, settings):
    b = browser_as(admin)
    garbage = deliver(mailbox=mailbox, raw=GARBAGE).raw
    settings.HELPWIRE_MAIL_NEW_TICKETS_PER_HOUR = 0  # every new ticket is a flood
    held = deliver(mailbox=mailbox, raw=b"From: Maria <maria@example.ru>\r\nSubject: Hi\r\n"
                                        b"Message-ID: <m1@example.ru>\r\n\r\nText\r\n")
    assert held.state == RawState.QUARANTINED

    response = b.post(_url("settings_quarantine_release", held.raw.pk))

    assert response.status_code == 302
    assert response["Location"].endswith(f"?released={held.raw.pk}")
    ticket = Ticket.objects.get()
    html = b.get(response["Location"]).content.decode()
    assert f'href="{_url("ticket", ticket.pk)}"' in html and "a new ticket" in html
    assert RawMail.objects.get(pk=held.raw.pk).state == RawState.TAKEN

    response = b.post(_url("settings_quarantine_release", garbage.pk), follow=True)
    assert "Quarantined again: not an email message" in response.content.decode()
    response = b.post(_url("settings_quarantine_release", held.raw.pk), follow=True)
    assert "Only quarantined mail can be taken in again." in response.content.decode()


def test_it_downloads_the_original_exactly(browser_as, admin, mailbox):
    raw = deliver(mailbox=mailbox, raw=GARBAGE).raw

    response = browser_as(admin).get(_url("settings_quarantine_original", raw.pk))

    assert response.status_code == 200
    assert response.content == GARBAGE
    assert response["Content-Type"] == "message/rfc822"
    assert response["Content-Disposition"] == f'attachment; filename="mail-{raw.pk}.eml"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert browser_as(admin).get(_url("settings_quarantine_original", raw.pk + 99)) \
        .status_code == 404
