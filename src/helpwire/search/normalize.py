"""Text → index terms, the same way for documents, queries and highlighting.

Why in Python rather than in the database: SQLite has no Russian morphology at all, and
PostgreSQL's snowball stemmer for Russian is much weaker than a dictionary lemmatiser
("зарплату" and "зарплаты" must meet, "отчётов" must find "отчёт"). Doing it here means
both databases index the very same pre-normalised words with a trivial tokenizer
(FTS5 'unicode61', PostgreSQL 'simple'), so they give the same results.

Rules for one word (a run of letters, or a run of digits):

- Cyrillic: every distinct pymorphy3 normal form (at most three), lower-case, ё → е. An
  ambiguous form ("стали": стать / сталь) is indexed under each reading, and a query word
  matches if any of its readings matches — recall over precision, as a helpdesk needs.
- Latin: the English and the Portuguese Snowball stems (both; usually one string), with
  diacritics removed after stemming so "acao" finds "ação".
- Digits: as they are, so order numbers (BX-12345 → "bx", "12345") are searchable.
- Anything else (other scripts): the lower-cased word.

``terms_of`` is the hot path (every word of every message goes through it), hence the big
``lru_cache``: real text repeats its vocabulary, and a cache hit costs well under a
microsecond against ~30 µs for a morphological parse.
"""

from __future__ import annotations

import functools
import re
import threading
import unicodedata
from collections.abc import Iterable

import pymorphy3
import Stemmer

# A word: letters (any script), or ASCII-convertible digits. Letters and digits are split
# apart ("iphone15" → "iphone", "15") so a query for either part finds the text.
WORD_RE = re.compile(r"[^\W\d_]+|\d+")
MAX_TERM_LENGTH = 64  # longer "words" are base64, hashes, URLs: noise in an index
MAX_LEMMAS = 3
MAX_QUERY_WORDS = 16

_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_LATIN = re.compile(r"[a-z\u00c0-\u024f]+")

_morph: pymorphy3.MorphAnalyzer | None = None
_morph_lock = threading.Lock()
# Snowball stemmer objects keep internal state; calls are rare (cache misses), so one lock.
_stem_lock = threading.Lock()
_stemmers: dict[str, Stemmer.Stemmer] = {}


def _analyzer() -> pymorphy3.MorphAnalyzer:
    global _morph
    if _morph is None:
        with _morph_lock:
            if _morph is None:
                _morph = pymorphy3.MorphAnalyzer(lang="ru")
    return _morph


def _stem(language: str, word: str) -> str:
    with _stem_lock:
        stemmer = _stemmers.get(language)
        if stemmer is None:
            # Cache size 0: terms_of already caches, a second cache would only cost memory.
            stemmer = _stemmers[language] = Stemmer.Stemmer(language, 0)
        return str(stemmer.stemWord(word))


def _fold(word: str) -> str:
    """Remove diacritics from a Latin word (after stemming, which needs them)."""
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def prepare(text: str) -> str:
    """One text → the form ``WORD_RE`` runs over: composed characters, lower case, е for ё."""
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    return text.lower().replace("ё", "е")


@functools.lru_cache(maxsize=1 << 19)
def terms_of(word: str) -> tuple[str, ...]:
    """The index terms of one prepared word (see the module docstring)."""
    if len(word) > MAX_TERM_LENGTH:
        return ()
    if word.isdecimal():
        return (word if word.isascii() else "".join(str(unicodedata.decimal(c)) for c in word),)
    if not word.isalpha():
        return ()  # letter-like symbols (superscripts…) that no tokenizer agrees on
    if _CYRILLIC.search(word):
        lemmas: list[str] = []
        for parse in _analyzer().parse(word):
            lemma = parse.normal_form.replace("ё", "е")
            if lemma not in lemmas and lemma.isalpha():
                lemmas.append(lemma)
                if len(lemmas) == MAX_LEMMAS:
                    break
        return tuple(lemmas) or (word,)
    if _LATIN.fullmatch(word):
        stems = []
        for language in ("english", "portuguese"):
            stem = _fold(_stem(language, word))
            if stem and stem not in stems:
                stems.append(stem)
        return tuple(stems) or (word,)
    return (word,)


def word_terms(word: str) -> tuple[str, ...]:
    """Index terms of one word as it appears in the text (any case, ё, decomposed)."""
    return terms_of(prepare(word))


def text_terms(text: str) -> list[str]:
    """Every index term of a text, in order (repeats kept: ranking counts them)."""
    return [term for word in WORD_RE.findall(prepare(text)) for term in terms_of(word)]


def lemma_text(parts: Iterable[str]) -> str:
    """The document text for the index: the terms of all parts, space-separated."""
    return " ".join(term for part in parts if part for term in text_terms(part))


def query_groups(q: str) -> list[tuple[str, ...]]:
    """A query → AND of groups, each group an OR of one word's terms."""
    groups: list[tuple[str, ...]] = []
    for word in WORD_RE.findall(prepare(q)):
        terms = terms_of(word)
        if terms and terms not in groups:
            groups.append(terms)
            if len(groups) == MAX_QUERY_WORDS:
                break
    return groups
