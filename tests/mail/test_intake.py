"""Mail in through the MTA pipe's path (``mail.intake.deliver``): kept, deduplicated,
threaded, quarantined — never lost [CH1]."""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path

import pytest

from helpwire.clients.models import Company, CompanyDomain, Identity
from helpwire.core.actors import Actor
from helpwire.core.files import write_durably
from helpwire.mail import intake
from helpwire.mail.actions import create_mailbox, release
from helpwire.mail.intake import deliver, read_raw
from helpwire.mail.models import Participant, RawMail, RawState
from helpwire.mail.tasks import poll_due
from helpwire.tickets.models import Message, ThreadKey, Ticket


def mail(*, frm="Анна Петрова <anna@example.ru>", to="support@shop.test", subject="Заказ",
         body="Где мой заказ?", msgid: str | None = "<m1@example.ru>", **headers) -> bytes:
    m = EmailMessage()
    m["From"] = frm
    m["To"] = to
    m["Subject"] = subject
    if msgid:
        m["Message-ID"] = msgid
    for key, value in headers.items():
        m[key.replace("_", "-")] = value
    m.set_content(body)
    return m.as_bytes()


@pytest.fixture
def box(db):
    return create_mailbox(actor=Actor.system("test"), address="support@shop.test",
                          name="Поддержка")


@pytest.fixture
def box2(db):
    return create_mailbox(actor=Actor.system("test"), address="sales@shop.test", name="Продажи")


def test_it_opens_a_ticket_and_keeps_the_raw_bytes(box):
    raw = mail()
    out = deliver(mailbox=box, raw=raw)
    assert out.state == RawState.TAKEN and out.created
    ticket = Ticket.objects.get(pk=out.ticket_id)
    assert ticket.subject == "Заказ" and ticket.channel_id == box.channel_id
    assert Identity.objects.get(kind="email", value="anna@example.ru").client_id == ticket.client_id
    message = Message.objects.get(pk=out.message_id)
    assert message.body_text == "Где мой заказ?"
    assert read_raw(out.raw) == raw


def test_it_stores_one_mail_once_even_when_delivered_again(box):
    first = deliver(mailbox=box, raw=mail())
    again = deliver(mailbox=box, raw=b"Received: from relay\r\n" + mail())
    assert again.state == RawState.DUPLICATE and again.message_id == first.message_id
    assert Message.objects.count() == 1


def test_it_keeps_a_fetched_batch_and_takes_each_mail_in_once(box, settings):
    """The IMAP poll's path: one copy stored before a crash (kept, never taken in), the
    same bytes twice in one batch, a bad mail among good ones."""
    write_durably(Path(settings.HELPWIRE_MAIL_DIR) / "left/s.eml", mail(msgid="<s@x>"))
    stored = intake.RawMail.objects.create(mailbox=box, path="left/s.eml",
                                           digest=intake.digest(mail(msgid="<s@x>")), size=1)
    raws = [mail(msgid="<a@x>", subject="Первое"), mail(msgid="<s@x>"), b"\x00not mail",
            mail(msgid="<a@x>", subject="Первое"), mail(msgid="<b@x>", frm="oleg@example.ru")]
    outcomes = intake.deliver_batch(mailbox=box, raws=raws, deferred=True)
    assert [o.state for o in outcomes] == [RawState.TAKEN, RawState.TAKEN, RawState.QUARANTINED,
                                           RawState.DUPLICATE, RawState.TAKEN]
    assert outcomes[1].raw.pk == stored.pk
    assert Message.objects.count() == 3 and RawMail.objects.count() == 4
    for row in RawMail.objects.all():
        assert read_raw(row)  # every row's bytes are on disk
    files = list(Path(settings.HELPWIRE_MAIL_DIR).rglob("*.eml"))
    assert len(files) == 4  # the repeated bytes were written once


def test_it_makes_mail_without_message_id_one_message_by_digest(box):
    deliver(mailbox=box, raw=b"Received: by a\r\n" + mail(msgid=None))
    out = deliver(mailbox=box, raw=b"Received: by b\r\nDelivered-To: x@y\r\n" + mail(msgid=None))
    assert out.state == RawState.DUPLICATE
    assert Message.objects.count() == 1


def test_it_records_both_mailboxes_for_one_mail_sent_to_two(box, box2):
    deliver(mailbox=box, raw=mail(to="support@shop.test, sales@shop.test"))
    out = deliver(mailbox=box2, raw=mail(to="support@shop.test, sales@shop.test"))
    assert out.state == RawState.DUPLICATE
    message = Message.objects.get()
    assert message.meta["mailboxes"] == ["support@shop.test", "sales@shop.test"]


def test_it_threads_a_reply_by_in_reply_to_even_through_another_mailbox(box, box2):
    first = deliver(mailbox=box, raw=mail())
    answer = deliver(mailbox=box2, raw=mail(msgid="<m2@example.ru>", subject="Re: Заказ",
                                            In_Reply_To="<m1@example.ru>",
                                            References="<m1@example.ru>"))
    assert answer.ticket_id == first.ticket_id and not answer.created


def test_it_honours_a_subject_token_only_from_the_tickets_people(box):
    first = deliver(mailbox=box, raw=mail())
    number = Ticket.objects.get(pk=first.ticket_id).number
    stranger = deliver(mailbox=box, raw=mail(frm="eve@evil.test", msgid="<e@evil.test>",
                                             subject=f"Re: Заказ [#{number}]"))
    assert stranger.ticket_id != first.ticket_id
    own = deliver(mailbox=box, raw=mail(msgid="<m3@example.ru>",
                                        subject=f"Re: Заказ [#{number}]"))
    assert own.ticket_id == first.ticket_id


def test_it_never_threads_by_subject_text_alone(box):
    first = deliver(mailbox=box, raw=mail())
    second = deliver(mailbox=box, raw=mail(msgid="<m9@example.ru>", subject="Re: Заказ"))
    assert second.ticket_id != first.ticket_id


def test_it_keeps_cc_recipients_as_participants(box):
    out = deliver(mailbox=box, raw=mail(Cc="Boss <boss@example.ru>, support@shop.test"))
    assert list(Participant.objects.filter(ticket_id=out.ticket_id)
                .values_list("address", flat=True)) == ["boss@example.ru"]


def test_it_opens_a_new_linked_ticket_for_a_reply_to_a_closed_one(box):
    first = deliver(mailbox=box, raw=mail())
    Ticket.objects.filter(pk=first.ticket_id).update(status="closed")
    again = deliver(mailbox=box, raw=mail(msgid="<m2@example.ru>",
                                          In_Reply_To="<m1@example.ru>"))
    follow = Ticket.objects.get(pk=again.ticket_id)
    assert follow.pk != first.ticket_id and follow.previous_id == first.ticket_id


@pytest.mark.parametrize("raw, reason", [(b"", "empty"),
                                         (b"\x89PNG\r\n\x1a\n\x00\x00binary", "no header")])
def test_it_quarantines_bytes_that_are_not_mail_and_keeps_them(box, raw, reason):
    out = deliver(mailbox=box, raw=raw)
    assert out.state == RawState.QUARANTINED and reason in out.reason
    assert read_raw(RawMail.objects.get()) == raw
    assert not Ticket.objects.exists()


def test_it_quarantines_a_message_over_the_size_limit(box, settings):
    settings.HELPWIRE_MAIL_MAX_BYTES = 1000
    out = deliver(mailbox=box, raw=mail(body="x" * 5000))
    assert out.state == RawState.QUARANTINED and "limit" in out.reason
    settings.HELPWIRE_MAIL_MAX_BYTES = 10_000
    released = release(actor=Actor.system("test"), raw_mail=out.raw)
    assert released.state == RawState.TAKEN


def test_it_ignores_mail_from_our_own_mailboxes(box, box2):
    out = deliver(mailbox=box, raw=mail(frm="sales@shop.test"))
    assert out.state == RawState.IGNORED and not Ticket.objects.exists()


def test_it_holds_a_flood_of_new_tickets_and_tells_admins(box, admin, settings):
    settings.HELPWIRE_MAIL_NEW_TICKETS_PER_HOUR = 3
    states = [deliver(mailbox=box, raw=mail(msgid=f"<f{i}@example.ru>", subject=f"s{i}")).state
              for i in range(6)]
    assert states == ["taken"] * 3 + ["quarantined"] * 3
    assert admin.notifications.count() == 1


def test_it_opens_a_forwarded_mail_for_its_original_sender(box, agent):
    body = ("Посмотрите, пожалуйста.\n\n---------- Forwarded message ---------\n"
            "From: Олег Клиентов <oleg@client.ru>\nDate: Mon, 30 Nov 2026\n"
            "Subject: Брак\n\nКоробка пришла мятая.\n")
    out = deliver(mailbox=box, raw=mail(frm=agent.email, subject="Fwd: Брак", body=body))
    ticket = Ticket.objects.get(pk=out.ticket_id)
    assert ticket.client.identities.get().value == "oleg@client.ru"
    assert ticket.subject == "Брак"
    message = Message.objects.get(pk=out.message_id)
    assert message.meta["forwarded_by"] == agent.email
    assert "Коробка пришла мятая" in message.body_text


def test_it_never_takes_mail_from_an_agents_address_as_his_reply(box, agent):
    out = deliver(mailbox=box, raw=mail(frm=agent.email, subject="Re: что угодно"))
    assert out.state == RawState.QUARANTINED and "reply token" in out.reason
    assert not Message.objects.exists()


def test_it_flags_tickets_from_an_internal_mailbox(db):
    inner = create_mailbox(actor=Actor.system("test"), address="it@shop.test",
                           is_internal=True)
    out = deliver(mailbox=inner, raw=mail(to="it@shop.test"))
    assert Ticket.objects.get(pk=out.ticket_id).is_internal


def test_it_remembers_each_messages_id_as_a_thread_key(box):
    out = deliver(mailbox=box, raw=mail())
    assert ThreadKey.objects.filter(key="<m1@example.ru>", ticket_id=out.ticket_id).exists()


def test_it_shows_inline_images_in_place_and_the_mail_notes(box, browser_as, admin):
    m = EmailMessage()
    m["From"] = "anna@example.ru"
    m["To"] = "support@shop.test"
    m["Cc"] = "boss@example.ru"
    m["Subject"] = "Фото"
    m["Message-ID"] = "<img1@example.ru>"
    m.set_content("см. фото")
    m.add_alternative('<p>Вот:</p><img src="cid:photo1@example.ru">', subtype="html")
    m.get_payload()[1].add_related(b"\x89PNG\r\n\x1a\nfake", maintype="image", subtype="png",
                                   cid="<photo1@example.ru>")
    out = deliver(mailbox=box, raw=m.as_bytes())
    html = browser_as(admin).get(f"/tickets/{out.ticket_id}/").content.decode()
    file_id = Message.objects.get(pk=out.message_id).attachments.get().pk
    assert f'src="/attachments/{file_id}/?preview=1"' in html
    assert "cid:" not in html.split('class="body"')[1].split("</div>")[0]
    assert "boss@example.ru" in html


def test_it_keeps_a_plain_replys_history_folded_below_the_new_words(box):
    body = ("Спасибо, получила.\n\nпн, 30 нояб. 2026 г. в 10:15, Поддержка "
            "<support@shop.test>:\n> Заказ в пути\n")
    out = deliver(mailbox=box, raw=mail(body=body))
    message = Message.objects.get(pk=out.message_id)
    assert message.body_text == "Спасибо, получила."
    new, quoted = message.body_html.split("<blockquote>")
    assert "Спасибо" in new and "Заказ в пути" in quoted


def test_it_shows_the_original_to_those_who_see_the_ticket(box, browser_as, admin, support,
                                                           other_agent):
    raw = mail()
    out = deliver(mailbox=box, raw=raw)
    Ticket.objects.filter(pk=out.ticket_id).update(group=support)
    page = browser_as(admin).get(f"/tickets/{out.ticket_id}/").content.decode()
    assert f"/messages/{out.message_id}/original/" in page
    got = browser_as(admin).get(f"/messages/{out.message_id}/original/")
    assert got.status_code == 200 and got.content == raw
    assert got["Content-Disposition"].startswith("attachment")
    assert browser_as(other_agent).get(f"/messages/{out.message_id}/original/").status_code == 404


def test_it_books_each_due_mailbox_for_one_sweep_only(db):
    for n in range(2):
        create_mailbox(actor=Actor.system("test"), address=f"p{n}@shop.test",
                       imap_host="imap.shop.test", imap_password="pw", poll_seconds=60)
    create_mailbox(actor=Actor.system("test"), address="pipe@shop.test")  # no IMAP: never
    assert poll_due() == 2
    assert poll_due() == 0  # booked a minute ahead


def test_it_flags_mail_from_an_internal_companys_domain_as_internal(box):
    company = Company.objects.create(name="Наш склад", is_internal=True)
    CompanyDomain.objects.create(company=company, domain="warehouse.example.ru")
    out = deliver(mailbox=box, raw=mail(frm="Кладовщик <stock@warehouse.example.ru>"))
    assert Ticket.objects.get(pk=out.ticket_id).is_internal


def test_it_quarantines_the_corpus_message_over_the_limit(box, settings):
    settings.HELPWIRE_MAIL_MAX_BYTES = 200_000
    corpus = Path(__file__).parent / "corpus"
    raw = next(corpus.glob("46-*.eml")).read_bytes()
    out = deliver(mailbox=box, raw=raw)
    assert out.state == RawState.QUARANTINED and read_raw(out.raw) == raw


def test_it_quarantines_a_mail_that_trips_a_bug_and_takes_the_next(box, monkeypatch):
    real = intake._ingest

    def broken(raw_mail, parsed, *args, **kwargs):
        if parsed.subject == "ломает":
            raise KeyError("a bug")
        return real(raw_mail, parsed, *args, **kwargs)

    monkeypatch.setattr(intake, "_ingest", broken)
    bad = deliver(mailbox=box, raw=mail(subject="ломает"))
    assert bad.state == RawState.QUARANTINED and "a bug" in bad.reason
    assert deliver(mailbox=box, raw=mail(msgid="<next@x>")).state == RawState.TAKEN
