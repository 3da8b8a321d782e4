"""Workspace screens: each renders, each checks the one permission function, and lists stay
within a fixed number of queries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client as Browser
from django.utils import timezone

from helpwire.automation.models import ReplyTemplate
from helpwire.tickets.actions import update_ticket
from helpwire.tickets.models import Change, Message, Status, Ticket
from tests.conftest import as_agent

pytestmark = pytest.mark.usefixtures("tag_tree")


def test_it_sends_anonymous_visitors_to_the_login_page(db):
    response = Browser().get("/queues/mine/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_it_logs_in_with_email_and_password(agent):
    b = Browser()
    response = b.post("/login/", {"username": agent.email, "password": "pw-123456"})
    assert response.status_code == 302
    assert b.get("/queues/mine/").status_code == 200


def test_it_limits_login_attempts(agent):
    from django.core.cache import cache

    cache.clear()
    b = Browser()
    for _ in range(10):
        b.post("/login/", {"username": agent.email, "password": "wrong"})
    response = b.post("/login/", {"username": agent.email, "password": "pw-123456"})
    assert response.status_code == 200  # refused, form shown again
    assert "_auth_user_id" not in b.session
    cache.clear()


def test_it_sends_a_password_reset_link(agent, mailoutbox):
    response = Browser().post("/password-reset/", {"email": agent.email})
    assert response.status_code == 302
    assert len(mailoutbox) == 1 and "/password-reset/" in mailoutbox[0].body


@pytest.mark.parametrize(("slug", "listed"), [
    ("mine", False), ("unassigned", True), ("groups", True), ("all", True), ("pending", False),
    ("on_hold", False), ("solved", False), ("spam", False)])
def test_it_renders_every_queue(browser_as, agent, ticket, slug, listed):
    """A new, unassigned ticket of the agent's group is in exactly the queues it belongs to."""
    response = browser_as(agent).get(f"/queues/{slug}/")
    assert response.status_code == 200
    assert (f"/tickets/{ticket.pk}/" in response.content.decode()) is listed
    assert b"Content-Security-Policy" not in response.content
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_it_shows_counts_beside_queues(browser_as, agent, ticket):
    html = browser_as(agent).get("/queues/all/").content.decode()
    assert 'data-queue="unassigned">1<' in html
    assert f">{ticket.subject}<" in html


def test_it_renders_queue_rows_in_a_fixed_number_of_queries(browser_as, agent, inbound, support,
                                                            django_assert_max_num_queries):
    for n in range(30):
        inbound(f"Письмо {n}", thread=f"x{n}", ticket_defaults={"group_id": support.pk})
    b = browser_as(agent)
    with django_assert_max_num_queries(12):
        response = b.get("/queues/all/?partial=rows", headers={"HX-Request": "true"})
    assert response.content.count(b'class="row') == 30


def test_it_hides_other_groups_tickets_everywhere(browser_as, other_agent, ticket):
    b = browser_as(other_agent)
    assert b.get(f"/tickets/{ticket.pk}/").status_code == 404
    assert b.post(f"/tickets/{ticket.pk}/reply/", {"body": "x"}).status_code == 404
    assert b.post(f"/tickets/{ticket.pk}/update/", {"priority": "low"}).status_code == 404
    assert b.get(f"/tickets/{ticket.pk}/body/").status_code == 404
    assert str(ticket.number).encode() not in b.get("/queues/all/").content


def test_it_keeps_contractors_to_their_tickets_without_contacts(browser_as, contractor, ticket,
                                                                admin):
    b = browser_as(contractor)
    assert b.get(f"/tickets/{ticket.pk}/").status_code == 404
    from helpwire.tickets.actions import assign

    assign(ticket=ticket, assignee=contractor, actor=as_agent(admin))
    html = b.get(f"/tickets/{ticket.pk}/").content.decode()
    assert "maria@example.ru" not in html
    assert b.get(f"/clients/{ticket.client_id}/").status_code == 403


def test_it_shows_the_conversation_with_notes_apart(browser_as, agent, ticket):
    from helpwire.conversations import reply

    reply(ticket=ticket, actor=as_agent(agent), text="Внутреннее", kind="note")
    html = browser_as(agent).get(f"/tickets/{ticket.pk}/").content.decode()
    assert 'class="msg k-inbound"' in html and 'class="msg k-note"' in html
    assert "maria@example.ru" in html  # the side panel's client card


def test_it_replies_and_sets_a_status_from_the_ticket_page(browser_as, agent, ticket):
    b = browser_as(agent)
    response = b.post(f"/tickets/{ticket.pk}/reply/",
                      {"body": "Добрый день!", "kind": "reply", "status": "pending"},
                      headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert Message.objects.filter(ticket=ticket, kind="outbound").count() == 1
    ticket.refresh_from_db()
    assert ticket.status == Status.PENDING


def test_it_shows_an_error_without_losing_anything(browser_as, agent, ticket):
    response = browser_as(agent).post(f"/tickets/{ticket.pk}/update/",
                                      {"status": "merged"}, headers={"HX-Request": "true"})
    assert response.status_code == 400
    assert b'role="alert"' in response.content
    ticket.refresh_from_db()
    assert ticket.status == Status.NEW


def test_it_tags_from_the_tree_and_untags(browser_as, agent, ticket):
    b = browser_as(agent)
    b.post(f"/tickets/{ticket.pk}/update/", {"add_tag": "Доставка › Сроки"})
    assert [t.path for t in ticket.tags.all()] == ["Доставка › Сроки"]
    b.post(f"/tickets/{ticket.pk}/update/", {"remove_tag": "Доставка › Сроки"})
    assert not ticket.tags.exists()


def test_it_sets_a_reminder_in_the_agents_time_zone(browser_as, agent, ticket):
    agent.time_zone = "Asia/Yekaterinburg"
    agent.save()
    when = (timezone.now() + timedelta(days=1)).astimezone(
        __import__("zoneinfo").ZoneInfo("Asia/Yekaterinburg")).replace(second=0, microsecond=0)
    browser_as(agent).post(f"/tickets/{ticket.pk}/reminder/",
                           {"remind_at": when.strftime("%Y-%m-%dT%H:%M")})
    ticket.refresh_from_db()
    assert ticket.status == Status.PENDING and ticket.remind_at == when


def test_it_merges_the_clients_other_ticket(browser_as, agent, inbound, support):
    a = inbound("Первое", thread="a", ticket_defaults={"group_id": support.pk}).ticket
    b = inbound("Второе", thread="b", ticket_defaults={"group_id": support.pk}).ticket
    html = browser_as(agent).get(f"/tickets/{a.pk}/").content.decode()
    assert f'name="source" value="{b.number}"' in html
    browser_as(agent).post(f"/tickets/{a.pk}/merge/", {"source": [str(b.number)]})
    b.refresh_from_db()
    assert b.status == Status.MERGED and b.merged_into_id == a.pk


def test_it_fills_template_variables(browser_as, agent, ticket):
    ReplyTemplate.objects.create(
        section="Доставка › Сроки", title="Задержка",
        body="{{client.name}}, ваш запрос #{{ticket.number}} — {{agent.name}}")
    html = browser_as(agent).get(f"/tickets/{ticket.pk}/templates/?q=задерж").content.decode()
    assert f"Мария Клиентова, ваш запрос #{ticket.number} — Иван Агент" in html


def test_it_notifies_a_mentioned_agent_and_emails_an_outsider(browser_as, agent, contractor,
                                                              ticket, mailoutbox, settings,
                                                              django_capture_on_commit_callbacks):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.HELPWIRE_MENTION_DOMAINS = ["partner.example"]
    with django_capture_on_commit_callbacks(execute=True):
        browser_as(agent).post(f"/tickets/{ticket.pk}/reply/", {
            "kind": "note",
            "body": f"@{contractor.email} глянь, и @lawyer@partner.example тоже"})
    assert contractor.notifications.filter(kind="mention").exists()
    assert ticket.mentioned.filter(pk=contractor.pk).exists()
    mail = {m.to[0]: m for m in mailoutbox}
    assert set(mail) == {contractor.email, "lawyer@partner.example"}
    outsider = mail["lawyer@partner.example"]
    assert "глянь" in outsider.body and f"/tickets/{ticket.pk}/" in outsider.body
    assert str(ticket.number) in outsider.subject and "Иван Агент" in outsider.subject


def test_it_runs_bulk_actions_through_the_actions(browser_as, agent, inbound, support):
    ids = []
    for n in range(3):
        t = inbound(f"Bulk {n}", thread=f"b{n}", ticket_defaults={"group_id": support.pk}).ticket
        ids.append(t.pk)
    response = browser_as(agent).post("/bulk/", {"ids": ids, "action": "status",
                                                 "value_status": "solved"})
    assert response.status_code == 200
    assert Ticket.objects.filter(pk__in=ids, status="solved").count() == 3
    assert Change.objects.filter(ticket_id__in=ids, field="status", new="solved").count() == 3


def test_it_saves_a_personal_filter(browser_as, agent, other_agent, ticket, inbound, support):
    urgent = inbound("Срочно!", thread="urgent", ticket_defaults={
        "group_id": support.pk, "priority": "urgent"}).ticket
    b = browser_as(agent)
    response = b.post("/views/save/", {"name": "Срочные", "priority": ["urgent"]})
    assert response.status_code == 302
    html = b.get(response["Location"]).content.decode()
    assert f"/tickets/{urgent.pk}/" in html and f"/tickets/{ticket.pk}/" not in html
    assert "Срочные" in b.get("/queues/mine/").content.decode()  # listed in the sidebar
    assert browser_as(other_agent).get(response["Location"]).status_code == 404  # personal


def test_it_shows_and_edits_the_client_card(browser_as, agent, ticket):
    b = browser_as(agent)
    html = b.get(f"/clients/{ticket.client_id}/").content.decode()
    assert "maria@example.ru" in html
    assert f"/tickets/{ticket.pk}/" in html
    b.post(f"/clients/{ticket.client_id}/update/", {"action": "add_identity", "kind": "phone",
                                                    "value": "8 916 555 44 33"})
    assert ticket.client.identities.filter(value="+79165554433").exists()


def test_it_downloads_attachments_only_for_those_who_may_see_them(browser_as, agent, other_agent,
                                                                  inbound, support):
    from helpwire.connectors.types import InboundAttachment

    t = inbound("Файл", thread="f", attachments=(
        InboundAttachment(filename="<img src=x>.html", content=b"<script>x</script>",
                          content_type="text/html"),),
                ticket_defaults={"group_id": support.pk}).ticket
    att = t.messages.get().attachments.get()
    ok = browser_as(agent).get(f"/attachments/{att.pk}/")
    assert ok.status_code == 200
    assert ok["Content-Disposition"].startswith("attachment")
    assert ok["X-Content-Type-Options"] == "nosniff"
    assert ok["Content-Type"] == "application/octet-stream"
    assert browser_as(other_agent).get(f"/attachments/{att.pk}/").status_code == 404


def test_it_switches_the_language_per_agent(browser_as, agent, ticket):
    agent.language = "en"
    agent.save()
    assert b"My open" in browser_as(agent).get("/queues/mine/").content
    agent.language = "ru"
    agent.save()
    assert "Мои открытые".encode() in browser_as(agent).get("/queues/mine/").content


def test_it_searches_from_the_top_bar(browser_as, agent, ticket):
    response = browser_as(agent).get("/search/", {"q": "посылка"})
    assert response.status_code == 200
    assert f"/tickets/{ticket.pk}/".encode() in response.content


def test_it_escapes_html_in_subjects_and_sanitises_bodies(browser_as, agent, inbound, support):
    t = inbound(subject="<script>alert(1)</script>", html="<p>ok</p><img src=x onerror=alert(1)>",
                text="", thread="xss", ticket_defaults={"group_id": support.pk}).ticket
    html = browser_as(agent).get(f"/tickets/{t.pk}/").content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "onerror" not in html


def test_it_counts_queues_exactly_as_the_lists_show_them(agent, inbound, support, claims,
                                                         manual_channel):
    from helpwire.tickets.actions import assign, update_ticket
    from helpwire.tickets.selectors import ticket_queryset
    from helpwire.workspace import queues

    manual_channel.groups.set([claims])
    t1 = inbound("1", thread="c1").ticket
    t2 = inbound("2", thread="c2").ticket
    inbound("3", thread="c3", channel=manual_channel)  # a channel closed to this agent
    update_ticket(ticket=t1, actor=as_agent(agent), group=support)
    assign(ticket=t2, assignee=agent, actor=as_agent(agent))
    update_ticket(ticket=inbound("4", thread="c4").ticket, actor=as_agent(agent), group=claims)
    counts = queues.counts(agent)
    for queue in queues.builtin(agent):
        listed = ticket_queryset(viewer=agent, filters=queue.filters).count()
        assert counts[queue.slug] == listed, queue.slug


def test_it_filters_the_list_by_a_custom_field(browser_as, agent, inbound, support):
    from helpwire.tickets.models import CustomField, FieldKind

    CustomField.objects.create(key="topic", label="Тема", kind=FieldKind.LIST,
                               options=["Доставка", "Оплата"])
    a = inbound("a", thread="fa").ticket
    b = inbound("b", thread="fb").ticket
    for t, topic in ((a, "Оплата"), (b, "Доставка")):
        update_ticket(ticket=t, actor=as_agent(agent), group=support,
                      field_values={"topic": topic})
    html = browser_as(agent).get("/queues/all/", {"cf_topic": "Оплата"}).content.decode()
    assert f"/tickets/{a.pk}/" in html and f"/tickets/{b.pk}/" not in html


def test_it_shows_status_changes_in_grey_inside_the_conversation(browser_as, agent, ticket):
    from helpwire.tickets.actions import set_status

    set_status(ticket=ticket, status="pending", actor=as_agent(agent))
    agent.language = "en"
    agent.save()
    html = browser_as(agent).get(f"/tickets/{ticket.pk}/").content.decode()
    assert 'class="sysevent"' in html
    assert "new → pending" in html
