"""Text → index terms: Russian lemmas, English and Portuguese stems, digits."""

from __future__ import annotations

from helpwire.search.normalize import lemma_text, query_groups, terms_of, text_terms


def _meets(a: str, b: str) -> bool:
    return bool(set(text_terms(a)) & set(text_terms(b)))


def test_it_lemmatises_russian_inflections():
    assert _meets("зарплату", "зарплаты")
    assert _meets("отчётов", "отчёт")
    assert _meets("Отчетов", "отчёт")  # ё and е are one letter in the index


def test_it_stems_english_and_portuguese():
    assert _meets("deliveries", "delivery")
    assert _meets("entregas", "entrega")
    assert _meets("ação", "acao")


def test_it_keeps_digits_and_splits_order_numbers():
    assert text_terms("Заказ BX-12345") == ["заказ", "bx", "12345"]
    assert text_terms("iPhone15") == ["iphon", "15"]


def test_it_caches_the_word_function():
    terms_of.cache_clear()
    lemma_text(["зарплата зарплата зарплата"])
    info = terms_of.cache_info()
    assert info.misses == 1 and info.hits == 2
    assert info.maxsize is not None and info.maxsize >= 100_000


def test_it_makes_one_group_per_query_word():
    assert query_groups("Не пришли зарплаты!") == [("не",), ("прислать", "прийти"), ("зарплата",)]
    assert query_groups("!!!") == []


def test_it_squeezes_only_new_terms_past_the_document_limit(monkeypatch):
    from helpwire.search import documents

    monkeypatch.setattr(documents, "MAX_DOC_CHARS", 20)
    assert documents.squeeze(" аа бб", "вв") == " аа бб вв"
    assert documents.squeeze("аа бб вв гг дд", "аа ее жж зз") == "аа бб вв гг дд ее жж"
    assert documents.squeeze("", "аа") == "аа"
