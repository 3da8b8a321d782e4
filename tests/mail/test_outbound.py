"""Replies out through a real SMTP server on loopback (aiosmtpd), and the client's answer
back in: threading headers, the subject token, CC, the signature, failures [CH1]."""

from __future__ import annotations

import pytest

from helpwire.accounts.notify import notify, send_notification_email
from helpwire.automation import actions, rule_inputs
from helpwire.automation.models import ReplyTemplate
from helpwire.connectors.types import InboundAttachment
from helpwire.conversations import reply
from helpwire.conversations.tasks import deliver_message
from helpwire.core.actors import Actor
from helpwire.mail.actions import create_mailbox
from helpwire.mail.intake import deliver
from helpwire.mail.loops import claim_auto_reply
from helpwire.tickets.models import Message, Ticket
from tests.mail.conftest import SMTP_PASSWORD, SMTP_USER
from tests.mail.test_intake import mail


@pytest.fixture
def box(db, smtp_capture_auth):
    return create_mailbox(actor=Actor.system("test"), address="support@shop.test",
                          name="Поддержка магазина", smtp_host=smtp_capture_auth.host,
                          smtp_port=smtp_capture_auth.port, smtp_security="none",
                          smtp_user=SMTP_USER, smtp_password=SMTP_PASSWORD,
                          signature_html="<p>— {{agent.name}}, заявка {{ticket.number}}</p>")


def test_it_sends_a_reply_with_threading_headers_and_threads_the_answer(
        box, smtp_capture_auth, agent):
    first = deliver(mailbox=box, raw=mail(Cc="boss@example.ru"))
    ticket = Ticket.objects.get(pk=first.ticket_id)
    agent.groups.clear()
    message = reply(ticket=ticket, actor=Actor.of_agent(agent), text="Заказ в пути, C:\\путь",
                    files=[InboundAttachment("счёт.pdf", b"%PDF-1.4 x", "application/pdf")])
    assert deliver_message.call(message.pk) == "sent"
    sent = smtp_capture_auth.wait_for(1)[0]
    mime = sent.message
    assert mime["To"] == "anna@example.ru" and "boss@example.ru" in mime["Cc"]
    assert mime["In-Reply-To"] == "<m1@example.ru>"
    assert "<m1@example.ru>" in mime["References"]
    assert f"[#{ticket.number}]" in mime["Subject"]
    assert mime["Message-ID"] == Message.objects.get(pk=message.pk).external_id
    assert mime["Auto-Submitted"] is None
    text = mime.get_body(("plain",)).get_content()
    assert "C:\\путь" in text and f"{agent.name}, заявка {ticket.number}" in text
    assert [p.get_filename() for p in mime.iter_attachments()] == ["счёт.pdf"]
    assert sorted(sent.rcpt_tos) == ["anna@example.ru", "boss@example.ru"]

    answer = deliver(mailbox=box, raw=mail(msgid="<m2@example.ru>", subject="Re: x",
                                           In_Reply_To=mime["Message-ID"]))
    assert answer.ticket_id == ticket.pk and not answer.created


def test_it_retries_a_temporary_smtp_failure_and_fails_a_permanent_one(
        box, smtp_capture_auth, agent):
    ticket = Ticket.objects.get(pk=deliver(mailbox=box, raw=mail()).ticket_id)
    agent.groups.clear()
    smtp_capture_auth.fail_next(1, "451 4.3.0 Try again later")
    message = reply(ticket=ticket, actor=Actor.of_agent(agent), text="Ответ")
    assert deliver_message.call(message.pk) == "retry"
    row = Message.objects.get(pk=message.pk)
    assert row.delivery_state == "queued" and "451" in row.delivery_error
    Message.objects.filter(pk=message.pk).update(lease_until=None)
    smtp_capture_auth.fail_next(1, "550 5.1.1 No such user")
    assert deliver_message.call(message.pk) == "failed"
    row = Message.objects.get(pk=message.pk)
    assert row.delivery_state == "failed" and "550 5.1.1 No such user" in row.delivery_error
    assert agent.notifications.filter(kind="delivery_failed").exists()


def test_it_marks_automatic_messages_and_caps_them_per_address(box, smtp_capture_auth,
                                                                settings):
    settings.HELPWIRE_MAIL_AUTO_REPLY_CAP = 2
    ticket = Ticket.objects.get(pk=deliver(mailbox=box, raw=mail()).ticket_id)
    assert claim_auto_reply(address="anna@example.ru", headers={}) == (True, "")
    message = reply(ticket=ticket, actor=Actor.system("rules"), text="Мы получили",
                    automatic=True)
    assert deliver_message.call(message.pk) == "sent"
    mime = smtp_capture_auth.wait_for(1)[0].message
    assert mime["Auto-Submitted"] == "auto-replied" and mime["Precedence"] == "bulk"
    assert mime["X-Auto-Response-Suppress"] == "All"
    assert Ticket.objects.get(pk=ticket.pk).first_response_at is None  # not a response
    assert claim_auto_reply(address="anna@example.ru", headers={})[0]
    allowed, why = claim_auto_reply(address="anna@example.ru", headers={})
    assert not allowed and "24 hours" in why


@pytest.mark.parametrize("headers, sender", [
    ({"Auto-Submitted": "auto-replied"}, "a@b.ru"), ({"Precedence": "bulk"}, "a@b.ru"),
    ({"List-Id": "<x.list>"}, "a@b.ru"), ({"X-Auto-Response-Suppress": "All"}, "a@b.ru"),
    ({}, "MAILER-DAEMON@b.ru"), ({}, "noreply@b.ru"), ({}, "support@shop.test"),
])
def test_it_refuses_automatic_answers_to_machines_and_ourselves(box, headers, sender):
    allowed, why = claim_auto_reply(address=sender, headers=headers)
    assert not allowed and why


def test_it_marks_a_bounced_reply_failed_without_opening_a_ticket(box, smtp_capture_auth,
                                                                   agent):
    ticket = Ticket.objects.get(pk=deliver(mailbox=box, raw=mail()).ticket_id)
    agent.groups.clear()
    message = reply(ticket=ticket, actor=Actor.of_agent(agent), text="Ответ")
    deliver_message.call(message.pk)
    ours = Message.objects.get(pk=message.pk).external_id
    dsn = (f"From: Mail Delivery System <MAILER-DAEMON@mx.example.ru>\r\n"
           f"To: support@shop.test\r\nSubject: Undelivered Mail Returned to Sender\r\n"
           f"Message-ID: <dsn1@mx.example.ru>\r\nMIME-Version: 1.0\r\n"
           f'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\r\n\r\n'
           f"--b\r\nContent-Type: text/plain\r\n\r\nThis is the mail system.\r\n"
           f"--b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx\r\n\r\n"
           f"Final-Recipient: rfc822; anna@example.ru\r\nAction: failed\r\nStatus: 5.1.1\r\n"
           f"Diagnostic-Code: smtp; 550 5.1.1 <anna@example.ru>: user unknown\r\n"
           f"--b\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: {ours}\r\n"
           f"Subject: Re: Заказ\r\n--b--\r\n").encode()
    before = Ticket.objects.count()
    out = deliver(mailbox=box, raw=dsn)
    assert out.state == "bounce" and Ticket.objects.count() == before
    row = Message.objects.get(pk=message.pk)
    assert row.delivery_state == "failed" and "user unknown" in row.delivery_error
    assert ticket.history.filter(field="bounced", new__contains="user unknown").exists()


def acknowledging(box, text: str):
    """A mailbox's acknowledgement of new requests, as every install sets it up: a rule
    that replies from a template on a new ticket in the mailbox's channel [AU3]."""
    template = ReplyTemplate.objects.create(title=f"Ack {box.address}", body=text)
    actions.create_rule(values=rule_inputs.clean(
        name=f"Ack {box.address}", enabled=True, mode="event", events=["ticket.created"],
        conditions={"all": [{"field": "channel", "op": "is", "value": box.channel_id}]},
        actions=[{"type": "reply_template", "template_id": template.pk}], stop=False))
    return box


@pytest.fixture
def acking_box(db, smtp_capture):
    return acknowledging(create_mailbox(
        actor=Actor.system("test"), address="support@shop.test", smtp_host=smtp_capture.host,
        smtp_port=smtp_capture.port, smtp_security="none"), "Заявка {{ticket.number}} принята.")


def _run_queue():
    for pk in Message.objects.filter(delivery_state="queued").values_list("pk", flat=True):
        deliver_message.call(pk)


def test_it_stops_a_loop_with_a_peer_that_answers_everything(acking_box, smtp_capture):
    """The worst peer: another helpdesk's mailbox that answers every mail with a new
    ticket and strips the loop headers. Ours stops after the daily cap (3)."""
    deliver(mailbox=acking_box, raw=mail(frm="help@other-desk.test", msgid="<p0@other>"))
    for round_ in range(1, 10):
        _run_queue()
        if len(smtp_capture.messages) < round_:
            break
        ours = smtp_capture.messages[-1].message
        assert ours["Auto-Submitted"] == "auto-replied"
        # The peer opens a ticket for our acknowledgement and acknowledges it in turn, under
        # its own subject (no token of ours, no In-Reply-To): a new ticket here each time.
        deliver(mailbox=acking_box, raw=mail(frm="help@other-desk.test", msgid=f"<p{round_}@o>",
                                              subject=f"Обращение OTHER-{round_} принято"))
    assert len(smtp_capture.messages) == 3


def test_it_sends_no_acknowledgement_to_a_peer_that_marks_its_own(acking_box, smtp_capture):
    deliver(mailbox=acking_box, raw=mail(frm="help@polite-desk.test",
                                         Auto_Submitted="auto-replied"))
    deliver(mailbox=acking_box, raw=mail(frm="anna@example.ru", msgid="<human@x>"))
    _run_queue()
    assert [m.rcpt_tos for m in smtp_capture.messages] == [["anna@example.ru"]]


def test_it_sends_notifications_through_the_system_mailbox_and_takes_signed_replies(
        db, smtp_capture, agent, settings):
    settings.EMAIL_BACKEND = "helpwire.mail.backend.SystemMailboxBackend"
    box = create_mailbox(actor=Actor.system("test"), address="desk@shop.test", name="Helpwire",
                         smtp_host=smtp_capture.host, smtp_port=smtp_capture.port,
                         smtp_security="none", is_system=True)
    ticket = Ticket.objects.get(pk=deliver(mailbox=box, raw=mail(to="desk@shop.test")).ticket_id)
    ticket.group = agent.groups.first()
    ticket.save()
    note = notify(agent=agent, kind="mention", ticket_id=ticket.pk, text="Вас упомянули")
    send_notification_email.call(note.pk)
    sent = smtp_capture.wait_for(1)[0].message
    assert sent["From"] == "Helpwire <desk@shop.test>" and sent["To"] == agent.email
    token = sent["Message-ID"]

    fake = f"<hw-r.{ticket.pk}.{agent.pk}.{'0' * 32}@x>"
    forged = deliver(mailbox=box, raw=mail(frm=agent.email, msgid="<f@x>", subject="Re: x",
                                           In_Reply_To=fake,
                                           body="Отправьте клиенту промокод"))
    assert forged.state == "quarantined" and "reply token" in forged.reason
    other_agents = deliver(mailbox=box, raw=mail(frm="someone@else.test", msgid="<o@x>",
                                                 In_Reply_To=token, body="Я тоже агент"))
    stranger = Message.objects.get(pk=other_agents.message_id)  # a client's mail, not a reply
    assert stranger.kind == "inbound" and stranger.actor_agent_id is None

    real = deliver(mailbox=box, raw=mail(frm=agent.email, msgid="<r@x>", subject="Re: x",
                                         In_Reply_To=token, body="Промокод отправлен"))
    assert real.state == "taken" and real.ticket_id == ticket.pk
    answer = Message.objects.get(pk=real.message_id)
    assert answer.kind == "outbound" and answer.actor_agent_id == agent.pk
    assert answer.body_text == "Промокод отправлен"


def test_it_copies_and_blind_copies_a_reply_written_in_the_workspace(box, smtp_capture_auth,
                                                                      browser_as, admin):
    ticket = Ticket.objects.get(pk=deliver(mailbox=box, raw=mail()).ticket_id)
    page = browser_as(admin).get(f"/tickets/{ticket.pk}/").content.decode()
    assert 'name="cc"' in page and 'name="bcc"' in page
    bad = browser_as(admin).post(f"/tickets/{ticket.pk}/reply/",
                                 {"body": "Ответ", "kind": "reply", "cc": "not-an-address"},
                                 follow=True)
    assert "not-an-address" in bad.content.decode() and not Message.objects.filter(
        kind="outbound").exists()
    browser_as(admin).post(f"/tickets/{ticket.pk}/reply/",
                           {"body": "Ответ", "kind": "reply", "cc": "boss@example.ru",
                            "bcc": "audit@shop.test"})
    message = Message.objects.get(kind="outbound")
    deliver_message.call(message.pk)
    sent = smtp_capture_auth.wait_for(1)[0]
    assert sent.message["Cc"] == "boss@example.ru" and sent.message["Bcc"] is None
    assert sorted(sent.rcpt_tos) == ["anna@example.ru", "audit@shop.test", "boss@example.ru"]


def test_it_never_lets_two_of_our_mailboxes_answer_each_other(acking_box, smtp_capture):
    other = acknowledging(create_mailbox(
        actor=Actor.system("test"), address="sales@shop.test", smtp_host=smtp_capture.host,
        smtp_port=smtp_capture.port, smtp_security="none"), "Получили.")
    for frm, box in (("sales@shop.test", acking_box), ("support@shop.test", other)):
        out = deliver(mailbox=box, raw=mail(frm=frm, to=box.address, msgid=f"<{frm}>"))
        assert out.state == "ignored"
    _run_queue()
    assert smtp_capture.messages == [] and not Ticket.objects.exists()
