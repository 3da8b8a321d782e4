"""The search document table, plus its index on each database (see search/models.py).

SQLite: an FTS5 table over the documents as external content (rowid = ticket id), kept in
step by triggers, so every write to search_searchdocument updates the index in the same
transaction. PostgreSQL: a generated tsvector column ('simple': the text is pre-normalised)
and a GIN index on it.
"""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models

SQLITE = [
    "CREATE VIRTUAL TABLE search_fts USING fts5(lemmas, content='search_searchdocument', "
    "content_rowid='ticket_id', tokenize='unicode61 remove_diacritics 0')",
    "CREATE TRIGGER search_fts_ai AFTER INSERT ON search_searchdocument BEGIN "
    "INSERT INTO search_fts(rowid, lemmas) VALUES (new.ticket_id, new.lemmas); END",
    "CREATE TRIGGER search_fts_ad AFTER DELETE ON search_searchdocument BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, lemmas) "
    "VALUES ('delete', old.ticket_id, old.lemmas); END",
    "CREATE TRIGGER search_fts_au AFTER UPDATE OF lemmas ON search_searchdocument "
    "WHEN old.lemmas IS NOT new.lemmas BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, lemmas) "
    "VALUES ('delete', old.ticket_id, old.lemmas); "
    "INSERT INTO search_fts(rowid, lemmas) VALUES (new.ticket_id, new.lemmas); END",
    # Documents written before this migration (none on a new install).
    "INSERT INTO search_fts(search_fts) VALUES ('rebuild')",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS search_fts_au",
    "DROP TRIGGER IF EXISTS search_fts_ad",
    "DROP TRIGGER IF EXISTS search_fts_ai",
    "DROP TABLE IF EXISTS search_fts",
]
POSTGRESQL = [
    "ALTER TABLE search_searchdocument ADD COLUMN tsv tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, lemmas)) STORED",
    "CREATE INDEX search_searchdocument_tsv ON search_searchdocument USING gin (tsv)",
]
POSTGRESQL_REVERSE = [
    "DROP INDEX IF EXISTS search_searchdocument_tsv",
    "ALTER TABLE search_searchdocument DROP COLUMN IF EXISTS tsv",
]


class VendorSQL(migrations.RunSQL):
    """RunSQL that runs only on one database vendor."""

    def __init__(self, vendor, sql, reverse_sql):
        super().__init__(sql, reverse_sql)
        self.vendor = vendor

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == self.vendor:
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == self.vendor:
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('tickets', '0002_number_sequence'),
    ]

    operations = [
        migrations.CreateModel(
            name='SearchDocument',
            fields=[
                ('ticket', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='search_document', serialize=False, to='tickets.ticket', verbose_name='ticket')),
                ('lemmas', models.TextField(blank=True, verbose_name='index terms')),
                ('updated_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='updated at')),
            ],
            options={
                'verbose_name': 'search document',
                'verbose_name_plural': 'search documents',
            },
        ),
        VendorSQL("sqlite", SQLITE, SQLITE_REVERSE),
        VendorSQL("postgresql", POSTGRESQL, POSTGRESQL_REVERSE),
    ]
