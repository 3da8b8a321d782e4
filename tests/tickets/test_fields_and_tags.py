"""Tree tags [TK4] and custom fields per channel [TK5]."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from helpwire.tickets import tags
from helpwire.tickets.actions import update_ticket
from helpwire.tickets.filters import TicketFilter
from helpwire.tickets.models import Change, CustomField, FieldKind, FieldValue, Tag, Ticket
from tests.conftest import as_agent

pytestmark = pytest.mark.usefixtures("tag_tree")

CLAIM_TREE = [
    {"value": "Качество", "children": [{"value": "Брак"}, {"value": "Не та модель"}]},
    {"value": "Задержка"},
]


@pytest.fixture
def fields(db, manual_channel):
    text = CustomField.objects.create(key="order", label="Номер заказа", kind=FieldKind.TEXT)
    topic = CustomField.objects.create(key="topic", label="Тема", kind=FieldKind.LIST,
                                       options=["Доставка", "Оплата"])
    call = CustomField.objects.create(key="call", label="Нужен звонок", kind=FieldKind.CHECKBOX)
    claim = CustomField.objects.create(key="claim", label="Претензия", kind=FieldKind.NESTED,
                                       options=CLAIM_TREE)
    phone_only = CustomField.objects.create(key="line", label="Линия", kind=FieldKind.TEXT)
    phone_only.channels.set([manual_channel])
    return text, topic, call, claim, phone_only


def test_it_shows_tags_by_full_path_and_creates_missing_parents(db):
    tag = tags.ensure("Доставка > Сроки > Задержка на таможне")
    assert tag.path == "Доставка › Сроки › Задержка на таможне"
    assert tag.parent.parent.name == "Доставка"
    assert tags.ensure("Доставка/Сроки/Задержка на таможне") == tag
    created = Tag.objects.filter(path__startswith="Доставка › Сроки › Задержка на")
    assert created.count() == 1 and tags.find("Доставка") == tag.parent.parent


def test_it_renames_a_tag_with_its_subtree(db):
    leaf = tags.ensure("Доставка › Сроки › Задержка")
    tags.rename(tag=leaf.parent.parent, name="Логистика")
    leaf.refresh_from_db()
    assert leaf.path == "Логистика › Сроки › Задержка"


def test_it_refuses_an_empty_or_too_deep_tag(db):
    with pytest.raises(ValidationError):
        tags.ensure(" › ")
    with pytest.raises(ValidationError):
        tags.ensure("a/b/c/d/e/f")


def test_it_filters_by_a_tag_with_its_subtree(ticket, inbound, agent):
    update_ticket(ticket=ticket, actor=as_agent(agent), add_tags=["Доставка › Сроки › Задержка"])
    other = inbound("Оплата", thread="o").ticket
    update_ticket(ticket=other, actor=as_agent(agent), add_tags=["Оплата"])
    found = TicketFilter(tag="Доставка").apply(Ticket.objects.all())
    assert list(found) == [ticket]
    assert list(TicketFilter(tag="Доставка › Сроки › Задержка").apply(Ticket.objects.all())) == [
        ticket]


def test_it_records_tag_changes_in_history(ticket, agent):
    update_ticket(ticket=ticket, actor=as_agent(agent), add_tags=["A", "B"])
    update_ticket(ticket=ticket, actor=as_agent(agent), remove_tags=["A"])
    lines = list(Change.objects.filter(ticket=ticket, field="tags").values_list("old", "new"))
    assert lines == [("", "A, B"), ("A, B", "B")]


def test_it_stores_each_kind_of_field(ticket, agent, fields):
    update_ticket(ticket=ticket, actor=as_agent(agent), field_values={
        "order": " BX-100 ", "topic": "Оплата", "call": "on",
        "claim": ["Качество", "Брак"]})
    values = {fv.field.key: fv.value for fv in FieldValue.objects.filter(ticket=ticket)}
    assert values == {"order": "BX-100", "topic": "Оплата", "call": True,
                      "claim": ["Качество", "Брак"]}
    assert Change.objects.filter(ticket=ticket, field="field:claim").exists()


@pytest.mark.parametrize("key,value", [("topic", "Погода"), ("claim", ["Качество", "Цвет"]),
                                       ("call", "maybe"), ("order", {"x": 1})])
def test_it_refuses_a_value_that_does_not_fit(ticket, agent, fields, key, value):
    with pytest.raises(ValidationError):
        update_ticket(ticket=ticket, actor=as_agent(agent), field_values={key: value})
    assert not FieldValue.objects.exists()


def test_it_keeps_channel_fields_to_their_channel(ticket, agent, fields):
    with pytest.raises(ValidationError) as exc:
        update_ticket(ticket=ticket, actor=as_agent(agent), field_values={"line": "1"})
    assert exc.value.code == "invalid_field"


def test_it_clears_a_field_with_an_empty_value(ticket, agent, fields):
    update_ticket(ticket=ticket, actor=as_agent(agent), field_values={"order": "1"})
    update_ticket(ticket=ticket, actor=as_agent(agent), field_values={"order": ""})
    assert not FieldValue.objects.filter(ticket=ticket).exists()
