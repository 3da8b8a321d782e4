"""The mail test servers themselves work: real Dovecot, the SMTP capture, the broken ones."""

from __future__ import annotations

import imaplib
import smtplib
import socket
import time
from email.message import EmailMessage

import pytest

from tests.mail.servers import DovecotServer, MailUser, SmtpCapture, unverified_context

RAW = (b"From: Maria <maria@example.ru>\r\nTo: support@helpwire.test\r\n"
       b"Subject: =?utf-8?b?0J3QtSDQv9GA0LjRhdC+0LTQuNGC?=\r\nMessage-ID: <m1@example.ru>\r\n"
       b"\r\nHello\r\n")


def message(to: str = "maria@example.ru") -> EmailMessage:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "support@helpwire.test", to, "Ответ по обращению"
    msg.set_content("Здравствуйте! Ваше обращение принято.")
    return msg


def test_it_appends_searches_and_flags(dovecot: DovecotServer, mail_user: MailUser):
    first = dovecot.append(mail_user.login, RAW)
    second = dovecot.append(mail_user.login, RAW, flags=["\\Flagged"])
    assert dovecot.uids(mail_user.login) == [first, second]
    assert dovecot.flags(mail_user.login, second) == {"\\Flagged"}
    assert dovecot.uids(mail_user.login, criteria="UNSEEN") == [first, second]

    with dovecot.connect(mail_user.login, "INBOX") as conn:
        assert conn.uid("STORE", str(first), "+FLAGS", "(\\Seen)")[0] == "OK"
    assert dovecot.flags(mail_user.login, first) == {"\\Seen"}
    assert dovecot.uids(mail_user.login, criteria="UNSEEN") == [second]


def test_it_keeps_uidvalidity_and_folders_apart(dovecot: DovecotServer, mail_user: MailUser):
    validity = dovecot.uidvalidity(mail_user.login)
    dovecot.append(mail_user.login, RAW)
    assert dovecot.uidvalidity(mail_user.login) == validity > 0

    dovecot.create_folder(mail_user.login, "Обработано")
    uid = dovecot.append(mail_user.login, RAW, folder="Обработано", flags=["\\Seen"])
    assert dovecot.uids(mail_user.login, "Обработано") == [uid]
    assert dovecot.flags(mail_user.login, uid, "Обработано") == {"\\Seen"}
    assert dovecot.uidvalidity(mail_user.login, "Обработано") > 0


def test_it_gives_each_test_its_own_mailbox(dovecot: DovecotServer, mail_user: MailUser):
    other = dovecot.new_user()
    dovecot.append(other.login, RAW)
    assert dovecot.uids(mail_user.login) == []


def test_it_logs_in_a_user_added_after_start(dovecot: DovecotServer):
    dovecot.add_user("late-user@helpwire.test", "pw-late-1")
    conn = imaplib.IMAP4(dovecot.host, dovecot.port, timeout=5)
    assert conn.login("late-user@helpwire.test", "pw-late-1")[0] == "OK"
    conn.logout()
    with pytest.raises(imaplib.IMAP4.error, match="AUTHENTICATIONFAILED"):
        imaplib.IMAP4(dovecot.host, dovecot.port, timeout=5).login("late-user@helpwire.test",
                                                                   "wrong")


def test_it_speaks_imaps_and_starttls(dovecot: DovecotServer, mail_user: MailUser):
    conn = imaplib.IMAP4_SSL(dovecot.host, dovecot.ssl_port, ssl_context=unverified_context(),
                             timeout=5)
    assert conn.login(*mail_user)[0] == "OK"
    conn.logout()

    conn = imaplib.IMAP4(dovecot.host, dovecot.port, timeout=5)
    assert conn.starttls(ssl_context=unverified_context())[0] == "OK"
    assert conn.login(*mail_user)[0] == "OK"
    conn.logout()

    # The session's certificate also passes full verification (hostname 127.0.0.1).
    conn = imaplib.IMAP4_SSL(dovecot.host, dovecot.ssl_port,
                             ssl_context=dovecot.cert.client_context(), timeout=5)
    assert conn.login(*mail_user)[0] == "OK"
    conn.logout()


def test_it_captures_what_smtplib_sends(smtp_capture: SmtpCapture):
    with smtplib.SMTP(smtp_capture.host, smtp_capture.port, timeout=5) as client:
        client.send_message(message())
    [captured] = smtp_capture.wait_for(1)
    assert captured.mail_from == "support@helpwire.test"
    assert captured.rcpt_tos == ["maria@example.ru"]
    assert captured.message["Subject"] == "Ответ по обращению"
    assert "Ваше обращение принято" in captured.message.get_content()
    assert b"Subject: " in captured.data
    assert captured.login is None


def test_it_requires_the_configured_smtp_auth(smtp_capture_auth: SmtpCapture):
    with smtplib.SMTP(smtp_capture_auth.host, smtp_capture_auth.port, timeout=5) as client:
        with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
            client.send_message(message())
        assert refused.value.recipients["maria@example.ru"][0] == 530
        with pytest.raises(smtplib.SMTPAuthenticationError):
            client.login(smtp_capture_auth.user or "", "wrong")
    for mechanism in ("PLAIN", "LOGIN"):
        with smtplib.SMTP(smtp_capture_auth.host, smtp_capture_auth.port, timeout=5) as client:
            client.ehlo()
            client.esmtp_features["auth"] = mechanism  # make smtplib use this mechanism
            client.login(smtp_capture_auth.user or "", smtp_capture_auth.password or "")
            client.send_message(message())
    captured = smtp_capture_auth.wait_for(2)
    assert [c.login for c in captured] == [smtp_capture_auth.user] * 2


def test_it_fails_deliveries_on_demand(smtp_capture: SmtpCapture):
    smtp_capture.fail_next(2, "451 4.3.0 Try again later")
    with smtplib.SMTP(smtp_capture.host, smtp_capture.port, timeout=5) as client:
        for _ in range(2):
            with pytest.raises(smtplib.SMTPDataError) as failed:
                client.send_message(message())
            assert isinstance(failed.value, smtplib.SMTPResponseException)
            assert (failed.value.smtp_code, failed.value.smtp_error) == (
                451, b"4.3.0 Try again later")
        client.send_message(message())

    smtp_capture.fail_next(1, "550 5.1.1 No such user", at="RCPT")
    with smtplib.SMTP(smtp_capture.host, smtp_capture.port, timeout=5) as client:
        with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
            client.send_message(message("nobody@example.ru"))
        assert refused.value.recipients == {"nobody@example.ru": (550, b"5.1.1 No such user")}
        client.send_message(message())

    assert len(smtp_capture.wait_for(2)) == 2
    assert [stage for stage, _ in smtp_capture.refused] == ["DATA", "DATA", "RCPT"]


@pytest.mark.parametrize("tls", ["starttls", "implicit"])
def test_it_captures_over_tls(smtp_capture_factory, tls):
    capture = smtp_capture_factory(tls=tls, user="tls@helpwire.test", password="pw-tls-1")
    if tls == "implicit":
        client: smtplib.SMTP = smtplib.SMTP_SSL(capture.host, capture.port, timeout=5,
                                                context=unverified_context())
    else:
        client = smtplib.SMTP(capture.host, capture.port, timeout=5)
        client.starttls(context=capture.cert.client_context())
    with client:
        client.login("tls@helpwire.test", "pw-tls-1")
        client.send_message(message())
    assert capture.wait_for(1)[0].login == "tls@helpwire.test"


def test_it_times_out_on_a_blackhole_and_refuses_a_closed_port(blackhole, closed_port):
    began = time.monotonic()
    with socket.create_connection(blackhole, timeout=0.3) as s, pytest.raises(TimeoutError):
        s.recv(1)
    with pytest.raises(smtplib.SMTPServerDisconnected):  # the greeting never comes
        smtplib.SMTP(blackhole.host, blackhole.port, timeout=0.3)
    with pytest.raises(TimeoutError):  # imaplib lets the socket's timeout through
        imaplib.IMAP4(blackhole.host, blackhole.port, timeout=0.3)
    assert time.monotonic() - began < 3

    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", closed_port), timeout=1)
