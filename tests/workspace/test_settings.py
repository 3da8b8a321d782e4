"""Admin settings screens [TM1 TK4 TK5 TK7 CH10]: who may open them, and that each one does
what a support lead expects without the Django admin."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.test import Client as Browser
from django.urls import reverse

from helpwire.accounts.models import Agent, ApiToken, Group, Role
from helpwire.automation.models import ReplyTemplate, Rule
from helpwire.calendars.models import Calendar
from helpwire.tickets import fields as ticket_fields
from helpwire.tickets import tags as tag_tree
from helpwire.tickets.access import visible_tickets
from helpwire.tickets.actions import update_ticket
from helpwire.tickets.models import CustomField, FieldKind, Status, Tag
from helpwire.workspace.settings_forms import (
    format_options,
    parse_list_options,
    parse_nested_options,
)
from tests.conftest import as_agent


@pytest.fixture
def catalogue(agent, support, api_channel):
    """One object of every kind, so the edit pages have something to show."""
    tag = tag_tree.ensure("Доставка › Сроки")
    field = CustomField.objects.create(key="reason", label="Причина", kind=FieldKind.LIST,
                                       options=["Брак", "Задержка"])
    template = ReplyTemplate.objects.create(section="Финансы › Возвраты", title="Возврат",
                                            body="Здравствуйте, {{client.name}}!")
    calendar = Calendar.objects.create(name="Москва", week={"mon": [["09:00", "18:00"]]},
                                       holidays="RU")
    rule = Rule.objects.create(name="Зарплата", enabled=True, events=["ticket.created"],
                               conditions={"all": [{"field": "text", "op": "word_forms",
                                                    "value": ["зарплата"]}]},
                               actions=[{"type": "assign", "agent_id": agent.pk}])
    return {"agent": agent.pk, "group": support.pk, "tag": tag.pk, "field": field.pk,
            "template": template.pk, "channel": api_channel.pk, "calendar": calendar.pk,
            "rule": rule.pk}


SCREENS = [
    ("settings", None), ("settings_agents", None), ("settings_agent_new", None),
    ("settings_agent_edit", "agent"), ("settings_groups", None),
    ("settings_group_edit", "group"), ("settings_channels", None),
    ("settings_channel_edit", "channel"), ("settings_tags", None),
    ("settings_tag_edit", "tag"), ("settings_fields", None), ("settings_field_new", None),
    ("settings_field_edit", "field"), ("settings_templates", None),
    ("settings_template_new", None), ("settings_template_edit", "template"),
    ("settings_calendars", None), ("settings_calendar_new", None),
    ("settings_calendar_edit", "calendar"), ("settings_rules", None),
    ("settings_rule_new", None), ("settings_rule_edit", "rule"),
]


def _url(name, kind, catalogue):
    args = [catalogue[kind]] if kind else []
    return reverse(f"workspace:{name}", args=args)


class _Markup(HTMLParser):
    """Collects what the accessibility and CSP checks need from a page."""

    def __init__(self):
        super().__init__()
        self.controls, self.label_for, self.inline, self.th_without_scope = [], set(), [], 0
        self._in_thead = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "style" in a or any(k.startswith("on") for k in a):
            self.inline.append((tag, a))
        if tag == "script" and "src" not in a:
            self.inline.append((tag, a))
        if tag == "label" and a.get("for"):
            self.label_for.add(a["for"])
        if tag in ("input", "select", "textarea") and a.get("type") not in ("hidden", "submit"):
            self.controls.append(a.get("id"))
        if tag == "th" and "scope" not in a:
            self.th_without_scope += 1


@pytest.mark.parametrize(("name", "kind"), SCREENS)
def test_it_renders_each_screen_for_an_admin(browser_as, admin, catalogue, name, kind):
    response = browser_as(admin).get(_url(name, kind, catalogue))
    assert response.status_code == 200
    html = response.content.decode()
    for section in ("settings_agents", "settings_groups", "settings_channels", "settings_tags",
                    "settings_fields", "settings_templates"):
        assert f'href="{reverse("workspace:" + section)}"' in html  # the settings menu
    assert "API" in html.split("</aside>")[0]  # the sidebar keeps its channel list
    markup = _Markup()
    markup.feed(html)
    assert markup.inline == []  # the Content-Security-Policy forbids inline code and styles
    unlabelled = [c for c in markup.controls if c is None or c not in markup.label_for]
    assert unlabelled == []
    assert markup.th_without_scope == 0


@pytest.mark.parametrize(("name", "kind"), SCREENS)
def test_it_refuses_each_screen_to_agents_and_supervisors(browser_as, agent, supervisor,
                                                          catalogue, name, kind):
    url = _url(name, kind, catalogue)
    assert browser_as(agent).get(url).status_code == 403
    assert browser_as(supervisor).get(url).status_code == 403


def test_it_refuses_settings_writes_to_a_supervisor(browser_as, supervisor, support):
    response = browser_as(supervisor).post(reverse("workspace:settings_agent_new"), {
        "email": "new@helpwire.test", "name": "Новый", "role": "admin",
        "password": "long-enough-1"})
    assert response.status_code == 403
    assert not Agent.objects.filter(email="new@helpwire.test").exists()
    response = browser_as(supervisor).post(
        reverse("workspace:settings_group_edit", args=[support.pk]), {"name": "Взлом"})
    assert response.status_code == 403
    support.refresh_from_db()
    assert support.name == "Техподдержка"


def test_it_sends_anonymous_visitors_to_the_login_page(db):
    response = Browser().get(reverse("workspace:settings_agents"))
    assert response.status_code == 302 and "/login/" in response["Location"]


# --- agents ---------------------------------------------------------------------------------


def test_it_adds_an_agent_in_one_step(browser_as, admin, support, claims):
    b = browser_as(admin)
    response = b.post(reverse("workspace:settings_agent_new"), {
        "email": " Olga@Helpwire.test ", "name": "Ольга Новая", "role": Role.CONTRACTOR,
        "groups": [support.pk, claims.pk], "password": "first-day-pass"})
    new = Agent.objects.get(email="olga@helpwire.test")
    assert response.status_code == 302
    assert response["Location"] == reverse("workspace:settings_agent_edit", args=[new.pk])
    assert new.role == Role.CONTRACTOR and new.is_active
    assert set(new.groups.all()) == {support, claims}
    login = Browser()
    assert login.post("/login/", {"username": "olga@helpwire.test",
                                  "password": "first-day-pass"}).status_code == 302
    assert int(login.session["_auth_user_id"]) == new.pk
    # A chosen password is never echoed back.
    assert "first-day-pass" not in b.get(response["Location"]).content.decode()


def test_it_generates_a_password_and_shows_it_once(browser_as, admin):
    b = browser_as(admin)
    response = b.post(reverse("workspace:settings_agent_new"), {
        "email": "gen@helpwire.test", "name": "Гена", "role": Role.AGENT}, follow=True)
    html = response.content.decode()
    shown = re.search(r'id="new-password"[^>]*value="([^"]+)"', html)
    assert shown, html
    password = shown.group(1)
    assert "no-store" in response["Cache-Control"]
    assert Browser().login(username="gen@helpwire.test", password=password)
    again = b.get(reverse("workspace:settings_agent_edit",
                          args=[Agent.objects.get(email="gen@helpwire.test").pk]))
    assert password not in again.content.decode()


def test_it_explains_a_bad_new_agent(browser_as, admin, agent):
    response = browser_as(admin).post(reverse("workspace:settings_agent_new"), {
        "email": agent.email.upper(), "name": "", "role": "boss", "password": "short"})
    assert response.status_code == 400
    form = response.context["form"]
    assert set(form.errors) == {"email", "name", "role", "password"}
    assert 'aria-invalid="true"' in response.content.decode()
    assert Agent.objects.count() == 2  # admin and agent only


def test_it_edits_role_groups_and_name(browser_as, admin, agent, support, claims):
    response = browser_as(admin).post(
        reverse("workspace:settings_agent_edit", args=[agent.pk]),
        {"name": "Иван Старший", "role": Role.SUPERVISOR, "groups": [claims.pk]})
    assert response.status_code == 302
    agent.refresh_from_db()
    assert (agent.name, agent.role) == ("Иван Старший", Role.SUPERVISOR)
    assert list(agent.groups.all()) == [claims]


def test_it_keeps_an_admin_from_demoting_himself(browser_as, admin):
    browser_as(admin).post(reverse("workspace:settings_agent_edit", args=[admin.pk]),
                           {"name": "Алина", "role": Role.AGENT})
    admin.refresh_from_db()
    assert admin.role == Role.ADMIN and admin.name == "Алина"


def test_it_disables_an_agent_in_one_step(browser_as, admin, agent, ticket):
    update_ticket(ticket=ticket, assignee=agent, status=Status.OPEN, actor=as_agent(admin))
    ApiToken.issue(agent=agent)
    his_session = browser_as(agent)
    response = browser_as(admin).post(
        reverse("workspace:settings_agent_disable", args=[agent.pk]))
    assert response.status_code == 302
    agent.refresh_from_db()
    ticket.refresh_from_db()
    assert not agent.is_active
    assert ticket.assignee is None
    assert not ApiToken.objects.filter(agent=agent, revoked_at__isnull=True).exists()
    assert not Browser().login(username=agent.email, password="pw-123456")
    gone = his_session.get(reverse("workspace:settings"))
    assert gone.status_code == 302 and "/login/" in gone["Location"]  # his session is over

    browser_as(admin).post(reverse("workspace:settings_agent_enable", args=[agent.pk]))
    assert Browser().login(username=agent.email, password="pw-123456")


def test_it_does_not_let_an_admin_disable_himself(browser_as, admin):
    browser_as(admin).post(reverse("workspace:settings_agent_disable", args=[admin.pk]))
    admin.refresh_from_db()
    assert admin.is_active


def test_it_lists_agents_with_roles_and_groups(browser_as, admin, agent, contractor):
    html = browser_as(admin).get(reverse("workspace:settings_agents")).content.decode()
    for person in (admin, agent, contractor):
        assert person.email in html
    assert "Техподдержка" in html


# --- groups ---------------------------------------------------------------------------------


def test_it_creates_and_renames_a_group(browser_as, admin, agent, support):
    b = browser_as(admin)
    assert b.post(reverse("workspace:settings_groups"),
                  {"name": "Опт", "description": "Оптовые клиенты"}).status_code == 302
    assert Group.objects.get(name="Опт").description == "Оптовые клиенты"
    assert b.post(reverse("workspace:settings_groups"), {"name": "опт"}).status_code == 400

    page = b.get(reverse("workspace:settings_group_edit", args=[support.pk]))
    assert agent.name in page.content.decode()
    b.post(reverse("workspace:settings_group_edit", args=[support.pk]),
           {"name": "Поддержка", "description": "Первая линия"})
    support.refresh_from_db()
    assert (support.name, support.description) == ("Поддержка", "Первая линия")


# --- tags -----------------------------------------------------------------------------------


def test_it_creates_a_nested_tag_path_and_renames_a_parent(browser_as, admin):
    b = browser_as(admin)
    response = b.post(reverse("workspace:settings_tags"),
                      {"path": "Доставка > Сроки / Задержка"})
    assert response.status_code == 302
    assert list(Tag.objects.values_list("path", flat=True)) == [
        "Доставка", "Доставка › Сроки", "Доставка › Сроки › Задержка"]
    html = b.get(reverse("workspace:settings_tags")).content.decode()
    assert 'class="depth-2"' in html

    parent = Tag.objects.get(path="Доставка")
    response = b.post(reverse("workspace:settings_tag_edit", args=[parent.pk]),
                      {"name": "Логистика"})
    assert response.status_code == 302
    assert list(Tag.objects.values_list("path", flat=True)) == [
        "Логистика", "Логистика › Сроки", "Логистика › Сроки › Задержка"]
    assert b.post(reverse("workspace:settings_tag_edit", args=[parent.pk]),
                  {"name": "A › B"}).status_code == 400


def test_it_deletes_only_leaf_tags(browser_as, admin, ticket):
    leaf = tag_tree.ensure("Оплата › Возврат")
    ticket.tags.add(leaf)
    b = browser_as(admin)
    b.post(reverse("workspace:settings_tag_delete", args=[leaf.parent_id]))
    assert Tag.objects.filter(path="Оплата").exists()
    b.post(reverse("workspace:settings_tag_delete", args=[leaf.pk]))
    assert list(Tag.objects.values_list("path", flat=True)) == ["Оплата"]
    assert ticket.tags.count() == 0


# --- custom fields --------------------------------------------------------------------------


def test_it_parses_nested_options_from_an_indented_outline():
    text = "Качество\n  Брак\n  Не та модель\nЗадержка"
    assert parse_nested_options(text) == [
        {"value": "Качество", "children": [{"value": "Брак"}, {"value": "Не та модель"}]},
        {"value": "Задержка"},
    ]
    deeper = "\nОплата\n\tВозврат\n\t\tЧастичный\n    Двойное списание  \n\nДругое\n"
    assert parse_nested_options(deeper) == [
        {"value": "Оплата", "children": [
            {"value": "Возврат", "children": [{"value": "Частичный"}]},
            {"value": "Двойное списание"}]},
        {"value": "Другое"},
    ]
    assert parse_nested_options(format_options(FieldKind.NESTED,
                                               parse_nested_options(deeper))) == \
        parse_nested_options(deeper)
    assert parse_nested_options("") == []


def test_it_refuses_duplicate_options():
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        parse_nested_options("Качество\n  Брак\n  Брак")
    with pytest.raises(ValidationError):
        parse_list_options("Да\nНет\n Да ")
    # The same name under different parents is fine.
    assert len(parse_nested_options("А\n  Другое\nБ\n  Другое")) == 2
    assert parse_list_options(" Да \n\nНет") == ["Да", "Нет"]


def test_it_creates_a_field_limited_to_a_channel(browser_as, admin, api_channel,
                                                 manual_channel):
    b = browser_as(admin)
    response = b.post(reverse("workspace:settings_field_new"), {
        "label": "Причина", "key": "reason", "kind": FieldKind.NESTED,
        "options": "Качество\n  Брак\n  Не та модель\nЗадержка", "required": "on",
        "is_active": "on", "channels": [manual_channel.pk], "position": "3"})
    assert response.status_code == 302
    field = CustomField.objects.get(key="reason")
    assert field.required and field.is_active and field.position == 3
    assert field.options[0]["children"][1] == {"value": "Не та модель"}
    assert list(ticket_fields.for_channel(manual_channel.pk)) == [field]
    assert list(ticket_fields.for_channel(api_channel.pk)) == []

    # Unticking every channel opens the field to all of them.
    page = b.get(reverse("workspace:settings_field_edit", args=[field.pk])).content.decode()
    assert "Качество\n  Брак" in page
    b.post(reverse("workspace:settings_field_edit", args=[field.pk]), {
        "label": "Причина", "key": "reason", "kind": FieldKind.LIST,
        "options": "Брак\nЗадержка", "is_active": "on", "position": "3"})
    field.refresh_from_db()
    assert field.options == ["Брак", "Задержка"] and not field.required
    assert list(ticket_fields.for_channel(api_channel.pk)) == [field]


def test_it_explains_a_bad_field(browser_as, admin):
    CustomField.objects.create(key="taken", label="Занято", kind=FieldKind.TEXT)
    response = browser_as(admin).post(reverse("workspace:settings_field_new"), {
        "label": "Список", "key": "taken", "kind": FieldKind.LIST, "options": "  \n",
        "position": "0"})
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"key", "options"}


# --- reply templates ------------------------------------------------------------------------


def test_it_creates_a_template_in_a_section(browser_as, admin):
    b = browser_as(admin)
    response = b.post(reverse("workspace:settings_template_new"), {
        "section": "Финансы > Возвраты", "title": "Возврат одобрен",
        "body": "{{client.name}}, возврат по заявке {{ ticket.number }} одобрен.",
        "is_active": "on"})
    assert response.status_code == 302
    template = ReplyTemplate.objects.get(title="Возврат одобрен")
    assert template.section == "Финансы › Возвраты" and template.is_active
    html = b.get(reverse("workspace:settings_templates")).content.decode()
    assert "Финансы › Возвраты" in html and "Возврат одобрен" in html
    editor = b.get(reverse("workspace:settings_template_edit", args=[template.pk]))
    assert "{{agent.name}}" in editor.content.decode()  # the variables are listed
    assert editor.context["form"]["body"].value() == template.body
    assert "Возврат одобрен" in editor.content.decode()
    here = b.get(reverse("workspace:settings_template_new") + "?section=Финансы › Возвраты")
    assert here.context["form"]["section"].value() == "Финансы › Возвраты"

    bad = b.post(reverse("workspace:settings_template_edit", args=[template.pk]), {
        "section": "", "title": "x", "body": "Привет, {{client.password}}"})
    assert bad.status_code == 400 and "client.password" in bad.content.decode()

    b.post(reverse("workspace:settings_template_delete", args=[template.pk]))
    assert not ReplyTemplate.objects.filter(pk=template.pk).exists()


# --- channels [CH10] ------------------------------------------------------------------------


def test_it_limits_a_channel_to_groups(browser_as, admin, agent, other_agent, support, claims,
                                       ticket):
    channel = ticket.channel
    update_ticket(ticket=ticket, group=None, actor=as_agent(admin))
    assert visible_tickets(other_agent).filter(pk=ticket.pk).exists()

    b = browser_as(admin)
    response = b.post(reverse("workspace:settings_channel_edit", args=[channel.pk]),
                      {"groups": [support.pk], "default_group": support.pk})
    assert response.status_code == 302
    channel.refresh_from_db()
    assert list(channel.groups.all()) == [support] and channel.default_group == support
    assert visible_tickets(agent).filter(pk=ticket.pk).exists()
    assert not visible_tickets(other_agent).filter(pk=ticket.pk).exists()
    assert "Техподдержка" in b.get(reverse("workspace:settings_channels")).content.decode()

    # The default group must be able to see the channel.
    refused = b.post(reverse("workspace:settings_channel_edit", args=[channel.pk]),
                     {"groups": [support.pk], "default_group": claims.pk})
    assert refused.status_code == 400
    channel.refresh_from_db()
    assert channel.default_group == support

    b.post(reverse("workspace:settings_channel_edit", args=[channel.pk]), {"default_group": ""})
    channel.refresh_from_db()
    assert not channel.groups.exists() and channel.default_group is None
    assert visible_tickets(other_agent).filter(pk=ticket.pk).exists()


def test_it_prefills_every_edit_form(browser_as, admin, agent, support, catalogue,
                                     api_channel):
    b = browser_as(admin)
    api_channel.groups.set([support])
    api_channel.default_group = support
    api_channel.save(update_fields=["default_group"])
    expected = {
        ("settings_agent_edit", "agent"): {"name": agent.name, "role": Role.AGENT,
                                           "groups": [str(support.pk)]},
        ("settings_group_edit", "group"): {"name": "Техподдержка"},
        ("settings_channel_edit", "channel"): {"groups": [str(support.pk)],
                                               "default_group": support.pk},
        ("settings_tag_edit", "tag"): {"name": "Сроки"},
        ("settings_field_edit", "field"): {"key": "reason", "options": "Брак\nЗадержка",
                                           "kind": FieldKind.LIST},
        ("settings_template_edit", "template"): {"title": "Возврат",
                                                 "section": "Финансы › Возвраты"},
    }
    for (name, kind), values in expected.items():
        form = b.get(_url(name, kind, catalogue)).context["form"]
        for field, value in values.items():
            got = form[field].value()
            if isinstance(got, list):
                got = [str(getattr(v, "pk", v)) for v in got]
            elif hasattr(got, "pk"):
                got = got.pk
            assert got == value, (name, field)


def test_it_previews_a_template_on_a_ticket_and_names_empty_variables(browser_as, admin,
                                                                       ticket):
    admin.language = "en"
    admin.save(update_fields=["language"])
    b = browser_as(admin)
    page = b.get(reverse("workspace:settings_template_preview"), {
        "body": "Здравствуйте, {{client.first_name}}! №{{ticket.number}}, {{ticket.assignee}} "
                "{{client.password}}", "number": ticket.number}).content.decode()
    assert f"Здравствуйте, Мария! №{ticket.number}," in page
    assert "Empty on this ticket:" in page and "{{ticket.assignee}}" in page
    assert "Not variables" in page and "{{client.password}}" in page
    missing = b.get(reverse("workspace:settings_template_preview"),
                    {"body": "x", "number": 999999}).content.decode()
    assert "No ticket with this number" in missing
