"""Mass mailing [AU7] through a real SMTP server on loopback: 500 recipients, each a message
of his own (nobody sees another address), throttled, on tickets in the mailing status that
stay out of queues — and an answer comes back as a tagged ticket in the mailing's group."""

from __future__ import annotations

import pytest

from helpwire.automation import mailings
from helpwire.automation.models import Mailing, ReplyTemplate
from helpwire.conversations.tasks import deliver_message
from helpwire.core.actors import Actor
from helpwire.mail.actions import create_mailbox
from helpwire.mail.intake import deliver
from helpwire.tickets import bulk
from helpwire.tickets.models import BulkJob, Message, MessageKind, Status, Tag, Ticket
from helpwire.tickets.selectors import ticket_queryset
from helpwire.workspace import queues
from tests.api.conftest import Api
from tests.mail.conftest import SMTP_PASSWORD, SMTP_USER
from tests.mail.test_intake import mail

TAG = "Рассылка › Новая функция"


@pytest.fixture
def box(db, smtp_capture_auth):
    return create_mailbox(actor=Actor.system("test"), address="news@shop.test",
                          name="Новости магазина", smtp_host=smtp_capture_auth.host,
                          smtp_port=smtp_capture_auth.port, smtp_security="none",
                          smtp_user=SMTP_USER, smtp_password=SMTP_PASSWORD)


def test_it_mails_500_people_one_by_one_and_brings_an_answer_back_tagged(
        box, smtp_capture_auth, supervisor, support, settings):
    settings.HELPWIRE_MAILING_PER_MINUTE = 200
    Tag.objects.create(name="Рассылка")
    template = ReplyTemplate.objects.create(
        title="Новая функция", body="{{client.first_name}}, мы сделали то, что вы просили. "
                                    "Ответьте, если есть вопросы (№{{ticket.number}}).")
    people = [f"client{i}@example.ru" for i in range(500)]
    r = Api(supervisor).post("/mailings", {
        "template_id": template.pk, "channel_id": box.channel_id, "subject": "Новая функция",
        "addresses": [*people, "не адрес", people[3].upper()], "group_id": support.pk,
        "tag": TAG})
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["recipients"] == 500 and body["invalid"] == ["не адрес"]
    job = BulkJob.objects.get(pk=body["job"]["id"])
    assert job.state == "running" and job.done == 0  # queued for the worker

    # The worker sends a minute's share, then hands over to a task a minute later.
    bulk.run_bulk_job.call(job.pk)
    job.refresh_from_db()
    assert job.done == 200
    bulk.run(job.pk)  # the rest (the later tasks)
    job.refresh_from_db()
    assert (job.state, job.done, job.failed) == ("done", 500, 0)

    copies = list(Message.objects.filter(ticket__status=Status.MAILING,
                                         kind=MessageKind.OUTBOUND).order_by("pk"))
    assert len(copies) == 500
    for message in copies:
        assert deliver_message.call(message.pk) == "sent"
    got = smtp_capture_auth.wait_for(500)
    assert sorted(m.rcpt_tos[0] for m in got) == sorted(people)
    assert all(len(m.rcpt_tos) == 1 and m.message["Cc"] is None and m.message["Bcc"] is None
               and m.message["To"] == m.rcpt_tos[0] for m in got)
    assert all(m.message["Precedence"] == "bulk" for m in got)
    mailing = Mailing.objects.get()
    assert mailings.deliveries([mailing]) == {mailing.pk: {"sent": 500}}

    # Out of every queue and of statistics until somebody answers.
    counts = queues.counts(supervisor)
    assert all(counts[q.slug] == 0 for q in queues.builtin(supervisor)), counts
    assert not ticket_queryset(viewer=supervisor, filters=queues.find(
        supervisor, "all").filters).exists()
    assert Ticket.objects.counted().count() == 0

    answer_to = next(m for m in got if m.rcpt_tos[0] == "client7@example.ru").message
    result = deliver(mailbox=box, raw=mail(
        frm="Клиент Семь <client7@example.ru>", to="news@shop.test", subject="Re: Новая функция",
        body="Спасибо, а как включить?", msgid="<answer7@example.ru>",
        In_Reply_To=answer_to["Message-ID"]))
    ticket = Ticket.objects.get(pk=result.ticket_id)
    assert not result.created
    assert (ticket.status, ticket.group_id) == (Status.OPEN, support.pk)
    assert [t.path for t in ticket.tags.all()] == [TAG]
    assert queues.counts(supervisor)["all"] == 1
    assert Mailing.objects.get().recipients == 500


def test_it_mails_the_clients_of_a_tag_and_refuses_a_plain_agent(box, supervisor, agent,
                                                                   inbound, support):
    from helpwire.tickets.actions import update_ticket

    Tag.objects.create(name="Ждут функцию")
    for i in range(3):
        t = inbound("Когда будет?", email=f"w{i}@example.ru", thread=f"w{i}").ticket
        update_ticket(ticket=t, actor=Actor.of_agent(supervisor), add_tags=["Ждут функцию"])
    template = ReplyTemplate.objects.create(title="Готово", body="Готово!")
    payload = {"template_id": template.pk, "channel_id": box.channel_id, "subject": "Готово",
               "clients_of_tag": "Ждут функцию"}
    assert Api(agent).post("/mailings", payload).status_code == 403
    r = Api(supervisor).post("/mailings", payload)
    assert r.status_code == 201 and r.json()["recipients"] == 3
    listed = Api(supervisor).get("/mailings").json()
    assert listed[0]["clients_of_tag"] == "Ждут функцию"
