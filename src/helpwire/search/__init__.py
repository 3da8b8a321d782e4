"""Full-text search over tickets: one search box for numbers, contacts and words.

Text is reduced to index terms in Python (Russian lemmas, English and Portuguese stems,
digits as they are) so that SQLite FTS5 and PostgreSQL see the same pre-normalised words
and give the same answers. ``normalize`` makes the terms, ``documents`` keeps one document
per ticket in step with every write (``hooks``), ``backends`` asks the database for bounded
candidate sets, and ``query`` is the API the REST layer and the UI call.
"""
