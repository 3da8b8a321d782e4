"""One search box: numbers, contacts and full text, kept in step with every write."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import transaction

from helpwire.clients.actions import merge_clients, update_client
from helpwire.conversations import reply
from helpwire.search import documents
from helpwire.search.models import SearchDocument
from helpwire.search.query import matching_ticket_ids, search
from helpwire.tickets.access import visible_tickets
from helpwire.tickets.actions import update_ticket
from helpwire.tickets.merge import merge_tickets
from helpwire.tickets.models import Message, Ticket
from tests.conftest import as_agent


def test_it_finds_russian_inflections(inbound, find):
    salary = inbound("Когда придут зарплаты сотрудникам?", subject="Вопрос").ticket
    reports = inbound("Пришлите, пожалуйста, копии отчётов за май", subject="Копии").ticket
    assert find("зарплату") == [salary.pk]
    assert find("отчёт") == [reports.pk]
    assert find("отчет") == [reports.pk]


def test_it_finds_english_and_portuguese_inflections(inbound, find):
    english = inbound("Two deliveries are late again", subject="Late").ticket
    portuguese = inbound("As entregas estão atrasadas", subject="Atraso").ticket
    assert find("delivery") == [english.pk]
    assert find("entrega") == [portuguese.pk]


def test_it_finds_a_ticket_by_number(ticket, inbound, find):
    inbound("Другое обращение", subject="Другое")
    assert find(str(ticket.number)) == [ticket.pk]
    assert find(f"#{ticket.number}") == [ticket.pk]


def test_it_lists_the_number_match_before_text_mentions(ticket, inbound, find):
    mention = inbound(f"Это продолжение обращения {ticket.number}", subject="Ещё").ticket
    assert find(str(ticket.number)) == [ticket.pk, mention.pk]


def test_it_finds_order_numbers_in_the_text(inbound, find):
    order = inbound("Заказ BX-98765 не доставлен", subject="Доставка").ticket
    inbound("Заказ BX-11111 доставлен", subject="Доставка")
    assert find("BX-98765") == [order.pk]
    assert find("98765") == [order.pk]


def test_it_finds_tickets_by_client_email(inbound, find):
    olga = inbound("Добрый день", email="Olga.Petrova@Example.org", name="Ольга").ticket
    inbound("Добрый день", email="someone@example.org", name="Кто-то")
    assert find("olga.petrova@example.org") == [olga.pk]
    assert find("  OLGA.PETROVA@EXAMPLE.ORG ") == [olga.pk]


@pytest.mark.parametrize("typed", ["+7 912 345-67-89", "8 (912) 345 67 89", "89123456789",
                                   "+79123456789"])
def test_it_finds_tickets_by_client_phone_in_any_format(inbound, find, typed):
    called = inbound("Перезвоните мне", phone="8-912-345-67-89", name="Звонивший").ticket
    inbound("Перезвоните мне", phone="+7 999 000-00-00", name="Другой")
    assert find(typed) == [called.pk]


def test_it_finds_tickets_by_client_name(ticket, find):
    assert find("Клиентова") == [ticket.pk]
    assert find("мария") == [ticket.pk]


def test_it_finds_notes_and_outbound_replies(ticket, agent, find):
    reply(ticket=ticket, actor=as_agent(agent), text="Курьер привезёт коробку завтра")
    reply(ticket=ticket, actor=as_agent(agent), text="Склад подтвердил отгрузку", kind="note")
    assert find("курьер") == [ticket.pk]
    assert find("отгрузки") == [ticket.pk]


def test_it_finds_a_reply_in_the_same_transaction(ticket, agent, find,
                                                  django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False), transaction.atomic():
        reply(ticket=ticket, actor=as_agent(agent), text="Компенсацию начислили")
        assert find("компенсация") == [ticket.pk]  # before commit, no task has run


def test_it_forgets_a_reply_that_was_rolled_back(ticket, agent, find):
    with pytest.raises(RuntimeError), transaction.atomic():
        reply(ticket=ticket, actor=as_agent(agent), text="Компенсацию начислили")
        raise RuntimeError
    assert find("компенсация") == []


def test_it_reindexes_an_edited_subject(ticket, agent, find):
    update_ticket(ticket=ticket, actor=as_agent(agent), subject="Возврат денег")
    assert find("возврата") == [ticket.pk]
    assert find("посылка") == [ticket.pk]  # still in the first message
    update_ticket(ticket=ticket, actor=as_agent(agent), subject="Обмен товара")
    assert find("возврат") == []


def test_it_moves_text_to_the_merge_target(inbound, agent, find):
    target = inbound("Где мой заказ?", thread="a", subject="Заказ").ticket
    source = inbound("Жду холодильник уже неделю", thread="b", subject="Холодильник").ticket
    merge_tickets(source=source, target=target, actor=as_agent(agent))
    assert find("холодильника") == [target.pk]
    assert not SearchDocument.objects.filter(ticket_id=source.pk).exists()
    inbound("Холодильник приехал", thread="b")  # the thread now leads to the target
    assert find("холодильник") == [target.pk]


def test_it_searches_by_a_new_client_name(ticket, admin, find):
    update_client(client=ticket.client, actor=as_agent(admin), name="Мария Иванова")
    assert find("Иванова") == [ticket.pk]
    assert find("Клиентова") == []


def test_it_searches_moved_tickets_by_the_merged_card_name(inbound, admin, find):
    old = inbound("Первое обращение", email="a@example.org", name="Анна Старая").ticket
    new = inbound("Второе обращение", email="b@example.org", name="Анна Новая").ticket
    merge_clients(source=old.client, target=new.client, actor=as_agent(admin))
    assert find("Новая") == [new.pk, old.pk]
    assert find("b@example.org") == [new.pk, old.pk]


def test_it_only_returns_tickets_the_agent_can_see(ticket, inbound, other_agent, find):
    ticket.refresh_from_db()
    assert ticket.group is not None
    mine = visible_tickets(other_agent)
    assert find("посылка", mine) == []
    assert find(str(ticket.number), mine) == []
    assert find("maria@example.ru", mine) == []
    open_one = inbound("Посылка пришла мятой", subject="Мятая").ticket  # no group: visible
    assert find("посылка", mine) == [open_one.pk]


def test_it_returns_nothing_for_an_absent_word(ticket, find):
    assert find("ксилофон") == []
    assert find("   ") == []
    assert find("!!!") == []


def test_it_highlights_matches_and_escapes_html(inbound):
    inbound("Здравствуйте! <script>alert('x')</script> Зарплату не перечислили & всё.",
            subject="Деньги")
    [hit] = search(q="зарплаты", queryset=Ticket.objects.all())
    assert "<mark>Зарплату</mark>" in hit.snippet
    assert "<script>" not in hit.snippet
    assert "&lt;script&gt;" in hit.snippet and "&amp;" in hit.snippet


def test_it_cuts_a_snippet_around_the_first_match(inbound):
    text = "Начало. " + "слово " * 100 + "Сломался холодильник. " + "хвост " * 100
    inbound(text, subject="Длинное")
    [hit] = search(q="холодильник", queryset=Ticket.objects.all())
    assert "<mark>холодильник</mark>" in hit.snippet
    assert hit.snippet.startswith("…") and hit.snippet.endswith("…")
    assert len(hit.snippet) < 260


def test_it_ranks_by_relevance_or_lists_newest_first(inbound, find):
    often = inbound("Доставка, доставка и снова доставка", subject="Доставка").ticket
    once = inbound("Вопрос про доставку и оплату заказа целиком", subject="Вопрос").ticket
    assert find("доставка") == [often.pk, once.pk]
    assert find("доставка", ranked=False) == [once.pk, often.pk]


def test_it_respects_the_limit(inbound, find):
    for n in range(5):
        inbound(f"Сломался чайник номер {n}", subject="Чайник")
    assert len(find("чайник", limit=3)) == 3


def test_it_gives_full_text_ids_for_callers_that_paginate(inbound):
    first = inbound("Сломался утюг", subject="Утюг").ticket
    second = inbound("Опять сломался утюг", subject="Снова").ticket
    assert sorted(matching_ticket_ids("утюг", limit=10)) == [first.pk, second.pk]
    assert matching_ticket_ids("ксилофон", limit=10) == []


def test_it_rebuilds_from_scratch_with_the_reindex_command(ticket, inbound, find):
    other = inbound("Сломался пылесос", subject="Пылесос").ticket
    SearchDocument.objects.filter(ticket_id=ticket.pk).delete()
    SearchDocument.objects.filter(ticket_id=other.pk).update(lemmas="мусор")
    assert find("посылка") == [] and find("пылесос") == []
    call_command("search", "reindex", "--batch", "1", verbosity=0)
    assert find("посылка") == [ticket.pk]
    assert find("пылесос") == [other.pk]
    assert find("мусор") == []


def test_it_indexes_a_ticket_that_has_no_document_yet(ticket, inbound, find):
    SearchDocument.objects.all().delete()  # a bulk-loaded ticket: no events, no document
    inbound("Курьер так и не приехал", thread="t-1")
    assert find("посылка") == [ticket.pk]  # the whole ticket was built, not just appended
    assert find("курьер") == [ticket.pk]


def test_it_keeps_the_message_when_indexing_fails(inbound, monkeypatch, find):
    def broken(**kwargs: object) -> None:
        raise RuntimeError("index is broken")

    monkeypatch.setattr(documents, "append_message", broken)
    result = inbound("Сообщение всё равно сохранится", subject="Сбой")
    assert Message.objects.filter(pk=result.message.pk).exists()
    assert find("сбой") == [result.ticket.pk]  # the ticket's own document was written


def test_it_caps_a_huge_document_without_losing_new_words(ticket, monkeypatch, find):
    monkeypatch.setattr(documents, "MAX_DOC_CHARS", 200)
    documents.append(ticket_id=ticket.pk, lemmas=" ".join(["слово"] * 100))
    documents.append(ticket_id=ticket.pk, lemmas="слово редкость")
    lemmas = SearchDocument.objects.get(ticket_id=ticket.pk).lemmas
    assert len(lemmas) <= 200
    assert find("редкость") == [ticket.pk]
