"""The mailing screen [AU7]: a lead pastes addresses, is told how many people it reaches
(and which lines are not addresses), confirms that number, and follows the progress."""

from __future__ import annotations

import pytest
from django.utils import translation

from helpwire.automation.models import Mailing, ReplyTemplate
from helpwire.core.actors import Actor
from helpwire.mail.actions import create_mailbox
from helpwire.tickets.models import BulkJob


@pytest.fixture
def setup(db):
    box = create_mailbox(actor=Actor.system("test"), address="news@shop.test", name="Новости")
    template = ReplyTemplate.objects.create(title="Сбой устранён", body="Всё работает.")
    return {"channel": box.channel_id, "template": template.pk, "subject": "Сбой устранён"}


def test_it_asks_with_the_number_of_people_then_sends(browser_as, supervisor, setup):
    b = browser_as(supervisor)
    form = {**setup, "addresses": "a@example.ru\nБорис <b@example.ru>, c@example.ru, A@example.ru"}
    with translation.override("ru"):
        first = b.post("/mailings/", form)
    html = first.content.decode()
    assert first.status_code == 200 and "3 людям" in html and 'name="confirmed" value="3"' in html
    assert not Mailing.objects.exists()
    done = b.post("/mailings/", {**form, "confirmed": "3"})
    assert done.status_code == 302
    mailing = Mailing.objects.get()
    assert (mailing.recipients, mailing.job.total) == (3, 3)
    page = b.get("/mailings/").content.decode()
    assert "Сбой устранён" in page and f"/mailings/{mailing.pk}/progress/" in page
    progress = b.get(f"/mailings/{mailing.pk}/progress/").content.decode()
    assert "<progress" in progress


def test_it_names_what_is_not_an_address_and_sends_nothing(browser_as, supervisor, setup):
    r = browser_as(supervisor).post("/mailings/", {**setup, "addresses": "a@example.ru\nне адрес",
                                                   "confirmed": "1"})
    assert r.status_code == 400 and "не адрес" in r.content.decode()
    assert not BulkJob.objects.exists()


def test_it_keeps_plain_agents_out(browser_as, agent, setup):
    assert browser_as(agent).get("/mailings/").status_code == 403
