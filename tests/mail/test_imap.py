"""IMAP polling against a real Dovecot: new mail becomes tickets, is marked seen only
after it is kept, is never taken twice, and a broken mailbox never holds up the others."""

from __future__ import annotations

import pytest
from django.utils import timezone

from helpwire.core.actors import Actor
from helpwire.mail import imap
from helpwire.mail.actions import create_mailbox
from helpwire.mail.actions import test_connection as check_connection
from helpwire.mail.models import Mailbox
from helpwire.tickets.models import Message, Ticket
from tests.mail.test_intake import mail


def _box(address, *, host, port, user="", password="", security="none", **kw):
    return create_mailbox(actor=Actor.system("test"), address=address, imap_host=host,
                          imap_port=port, imap_security=security, imap_user=user,
                          imap_password=password, **kw)


@pytest.fixture
def box(db, dovecot, mail_user):
    return _box("support@shop.test", host="127.0.0.1", port=dovecot.port,
                user=mail_user.login, password=mail_user.password)


def test_it_turns_new_mail_into_tickets_and_marks_it_seen_after(box, dovecot, mail_user):
    old = dovecot.append(mail_user.login, mail(msgid="<old@example.ru>"), flags=("\\Seen",))
    first = imap.poll_and_record(box.pk)
    assert first.error == "" and first.fetched == 0  # what was read before is left alone
    uid = dovecot.append(mail_user.login, mail(msgid="<new@example.ru>", subject="Новый"))
    result = imap.poll_and_record(box.pk)
    assert (result.fetched, result.taken) == (1, 1)
    assert Ticket.objects.get().subject == "Новый"
    assert "\\Seen" in dovecot.flags(mail_user.login, uid)
    box.refresh_from_db()
    assert box.last_uid == uid > old and box.uidvalidity == dovecot.uidvalidity(mail_user.login)
    assert imap.poll_and_record(box.pk).fetched == 0  # by UID: nothing is read twice


def test_it_takes_unseen_mail_present_at_the_first_poll(box, dovecot, mail_user):
    dovecot.append(mail_user.login, mail(msgid="<waiting@example.ru>"))
    assert imap.poll_and_record(box.pk).taken == 1


def test_it_takes_a_refetched_message_once(box, dovecot, mail_user):
    """A poller that died after keeping a mail but before moving on fetches it again."""
    imap.poll_and_record(box.pk)
    uid = dovecot.append(mail_user.login, mail(msgid="<again@example.ru>"))
    imap.poll_and_record(box.pk)
    Mailbox.objects.filter(pk=box.pk).update(last_uid=uid - 1)
    assert imap.poll_and_record(box.pk).fetched == 1
    assert Message.objects.count() == 1


def test_it_takes_a_backlog_in_batches(box, dovecot, mail_user, monkeypatch):
    monkeypatch.setattr(imap, "BATCH", 3)
    imap.poll_and_record(box.pk)
    uids = [dovecot.append(mail_user.login, mail(msgid=f"<b{i}@example.ru>", subject=f"№{i}"))
            for i in range(7)]
    uids.append(dovecot.append(mail_user.login, mail(msgid="<b1@example.ru>", subject="№1")))
    result = imap.poll_and_record(box.pk)
    assert (result.fetched, result.taken) == (8, 7)
    assert sorted(Ticket.objects.values_list("subject", flat=True)) == [
        f"№{i}" for i in range(7)]
    assert all("\\Seen" in dovecot.flags(mail_user.login, uid) for uid in uids)
    box.refresh_from_db()
    assert box.last_uid == uids[-1]


def test_it_reports_the_servers_own_error_and_tells_admins_after_repeated_failures(
        db, dovecot, mail_user, admin, settings):
    settings.HELPWIRE_MAIL_FAILURE_ALERT = 2
    broken = _box("broken@shop.test", host="127.0.0.1", port=dovecot.port,
                  user=mail_user.login, password="wrong")
    report = check_connection(mailbox=broken)
    assert not report.ok and "AUTHENTICATIONFAILED" in report.imap.upper()
    for _ in range(3):
        imap.poll_and_record(broken.pk)
    broken.refresh_from_db()
    assert broken.failures == 3 and "AUTHENTICATIONFAILED" in broken.last_error.upper()
    assert admin.notifications.filter(kind="mail").count() == 1


def test_it_connects_with_ssl_and_starttls(db, dovecot, mail_user, settings):
    settings.HELPWIRE_MAIL_TLS_VERIFY = False
    for address, port, security in (("a@shop.test", dovecot.ssl_port, "ssl"),
                                    ("b@shop.test", dovecot.port, "starttls")):
        box = _box(address, host="127.0.0.1", port=port, security=security,
                   user=mail_user.login, password=mail_user.password)
        assert check_connection(mailbox=box).ok, security


@pytest.mark.postgres
def test_it_does_not_let_a_hanging_mailbox_delay_a_healthy_one(
        transactional_db, dovecot, mail_user, blackhole, settings):
    settings.HELPWIRE_MAIL_TIMEOUT = 4
    hanging = _box("hang@shop.test", host=blackhole.host, port=blackhole.port)
    healthy = _box("ok@shop.test", host="127.0.0.1", port=dovecot.port,
                   user=mail_user.login, password=mail_user.password)
    imap.poll_and_record(healthy.pk)
    dovecot.append(mail_user.login, mail(msgid="<fast@example.ru>"))
    started = timezone.now()
    results = imap.poll_many([hanging.pk, healthy.pk])
    finished = timezone.now()
    assert results[0].error and results[1].taken == 1
    assert (finished - started).total_seconds() >= 3.5  # the hanging server did hang…
    # …while the healthy mailbox's mail was in long before its timeout.
    assert (Ticket.objects.get().created_at - started).total_seconds() < 2


@pytest.mark.postgres
def test_it_works_eight_mailboxes_side_by_side(transactional_db, dovecot):
    """Samsonite's eight mailboxes: polled together, each mail once, on its own channel."""
    boxes = []
    for n in range(8):
        user = dovecot.new_user(f"box{n}")
        box = _box(f"box{n}@shop.test", host="127.0.0.1", port=dovecot.port,
                   user=user.login, password=user.password)
        imap.poll_and_record(box.pk)
        for i in range(3):
            dovecot.append(user.login, mail(frm=f"c{n}-{i}@example.ru",
                                            msgid=f"<b{n}-{i}@example.ru>"))
        boxes.append(box)
    results = imap.poll_many([b.pk for b in boxes])
    assert [r.taken for r in results] == [3] * 8 and not any(r.error for r in results)
    for box in boxes:
        assert Ticket.objects.filter(channel_id=box.channel_id).count() == 3
    assert sum(r.fetched for r in imap.poll_many([b.pk for b in boxes])) == 0
