"""The reports screen as a lead uses it [RP2]: last week beside the week before, a number
opening the tickets behind it, agents kept out."""

from __future__ import annotations

import re

from django_tasks import default_task_backend

from helpwire.clients.actions import update_client
from helpwire.clients.models import Company
from helpwire.conversations import reply
from helpwire.core.actors import Actor
from helpwire.reports.actions import rate
from helpwire.reports.facts import refile_client
from helpwire.reports.models import Rating, Schedule, TagSet
from helpwire.reports.ratings import current
from helpwire.tickets.actions import update_ticket


def test_it_shows_monday_report_and_drills_into_a_number(ticket, agent, supervisor,
                                                         browser_as):
    reply(ticket=ticket, actor=Actor.of_agent(agent), text="Готово", status="solved")
    b = browser_as(supervisor)
    day = ticket.created_at.date().isoformat()
    page = b.get("/reports/", {"from": day, "to": day}).content.decode()
    links = re.findall(r'href="(tickets/\?[^"]*metric=created[^"]*)"', page)
    assert links, "the created figure links to its tickets"
    drill = b.get("/reports/" + links[0].replace("&amp;", "&")).content.decode()
    assert f"#{ticket.number}" in drill
    assert b.get("/reports/", {"from": "bad"}).status_code == 200  # says what is wrong
    assert browser_as(agent).get("/reports/").status_code in (302, 403)


def test_it_filters_by_company_with_the_picker(inbound, supervisor, browser_as,
                                               django_capture_on_commit_callbacks):
    ours = inbound("Счёт за ноябрь", thread="co1", email="buh@romashka.ru").ticket
    other = inbound("Где посылка?", thread="co2", email="ivan@example.ru").ticket
    romashka = Company.objects.create(name="ООО Ромашка")
    with django_capture_on_commit_callbacks(execute=True):
        update_client(client=ours.client, actor=Actor.of_agent(supervisor), company=romashka)
    queued = [r.args for r in default_task_backend.results  # type: ignore[attr-defined]
              if r.task.name == "refile_client"]
    assert queued == [[ours.client_id]]
    refile_client.call(*queued[0])
    b = browser_as(supervisor)
    day = ours.created_at.date().isoformat()
    page = b.get("/reports/", {"from": day, "to": day, "company": romashka.pk}).content.decode()
    assert 'value="ООО Ромашка"' in page  # the picker shows the chosen company
    links = re.findall(r'href="(tickets/\?[^"]*metric=created[^"]*)"', page)
    drill = b.get("/reports/" + links[0].replace("&amp;", "&")).content.decode()
    assert f"#{ours.number}" in drill and f"#{other.number}" not in drill


def test_it_saves_a_tag_set_and_shows_it_week_by_week(inbound, supervisor, browser_as,
                                                      tag_tree):
    ticket = inbound("Где посылка?", thread="ts1").ticket
    update_ticket(ticket=ticket, actor=Actor.of_agent(supervisor),
                  add_tags=["Доставка › Сроки › Задержка"])
    b = browser_as(supervisor)
    refused = b.post("/reports/tags/new/", {"name": "Пожелания", "tags": "Нет такого"})
    assert refused.status_code == 400 and not TagSet.objects.exists()
    b.post("/reports/tags/new/", {"name": "Пожелания", "tags": "Доставка › Сроки\nОплата"})
    wishes = TagSet.objects.get()
    day = ticket.created_at.date().isoformat()
    page = b.get("/reports/tags/", {"set": wishes.pk, "from": day, "to": day}).content.decode()
    row = re.search(r"Доставка › Сроки</th>(.*?)</tr>", page, re.S).group(1)
    assert re.findall(r"<td>(\d+)", row)[-1] == "1"  # its subtag's ticket counts, once
    assert b.get(f"/reports/tags/{wishes.pk}/delete/").status_code == 200  # asks first
    assert TagSet.objects.exists()
    b.post(f"/reports/tags/{wishes.pk}/delete/")
    assert not TagSet.objects.exists()


def test_it_schedules_the_report_on_screen_with_its_filters(supervisor, support, browser_as):
    b = browser_as(supervisor)
    form = b.get("/reports/schedules/new/", {"params": f"group={support.pk}"})
    assert f'value="group={support.pk}"' in form.content.decode()
    bad = b.post("/reports/schedules/new/", {"name": "Неделя", "period": "weekly",
                                             "recipients": "не адрес",
                                             "params": f"group={support.pk}"})
    assert bad.status_code == 400 and not Schedule.objects.exists()
    b.post("/reports/schedules/new/", {"name": "Неделя", "period": "weekly",
                                       "recipients": "pm@shop.test; lead@shop.test",
                                       "params": f"group={support.pk}"})
    saved = Schedule.objects.get()
    assert saved.recipients == "pm@shop.test, lead@shop.test"
    assert saved.due_at.weekday() == 0 and saved.params == f"group={support.pk}"
    assert "Неделя" in b.get("/reports/schedules/").content.decode()


def test_it_shows_the_rating_on_the_ticket_and_lets_a_supervisor_exclude_it(
        ticket, agent, supervisor, browser_as):
    reply(ticket=ticket, actor=Actor.of_agent(agent), text="Готово", status="solved")
    rating = Rating.objects.get(ticket=ticket)
    rate(rating_id=rating.pk, grade="bad", comment="Ответ пришёл через неделю")
    page = browser_as(agent).get(f"/tickets/{ticket.pk}/").content.decode()
    assert "Ответ пришёл через неделю" in page and "ratings/" not in page  # no button
    url = f"/tickets/{ticket.pk}/ratings/{rating.pk}/"
    htmx = {"HTTP_HX_REQUEST": "true"}  # the panel's form posts through htmx
    assert browser_as(agent).post(url, {"excluded": "on", "reason": "x"},
                                  **htmx).status_code == 403
    b = browser_as(supervisor)
    assert b.post(url, {"excluded": "on", "reason": ""}, **htmx).status_code == 400
    assert not Rating.objects.get(pk=rating.pk).excluded
    b.post(url, {"excluded": "on", "reason": "Клиент перепутал обращения"}, **htmx)
    rating.refresh_from_db()
    assert rating.excluded and rating.exclude_reason == "Клиент перепутал обращения"
    assert "Клиент перепутал обращения" in b.get(f"/tickets/{ticket.pk}/").content.decode()


def test_it_changes_the_rating_settings(admin, browser_as):
    b = browser_as(admin)
    assert b.post("/settings/ratings/", {"ask_on": "solved", "frequency": "every",
                                         "link_days": "0", "formula": "good_bad"}
                  ).status_code == 400
    b.post("/settings/ratings/", {"ask_on": "closed", "frequency": "every", "link_days": "14",
                                  "formula": "good_all"})
    saved = current()
    assert (saved.enabled, saved.ask_on, saved.frequency, saved.link_days, saved.formula) == (
        False, "closed", "every", 14, "good_all")
