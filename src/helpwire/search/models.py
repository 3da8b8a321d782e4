"""The portable store of the search index: one row of index terms per ticket.

``lemmas`` is the ticket's subject, client name and every message, already reduced to
index terms (``normalize``). The vendor-specific index is derived from this column by the
database itself, so every ORM write keeps it in step:

- SQLite: the FTS5 table ``search_fts`` uses this table as its external content
  (rowid = ticket id), maintained by triggers created in migration 0001.
- PostgreSQL: a generated column ``tsv = to_tsvector('simple', lemmas)`` with a GIN index,
  also created in migration 0001. Django does not know about it; it needs no care.

On SQLite, a later migration that makes Django rebuild this table (AlterField and the like)
drops the triggers: such a migration must create them again.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class SearchDocument(models.Model):
    ticket = models.OneToOneField("tickets.Ticket", primary_key=True, on_delete=models.CASCADE,
                                  related_name="search_document", verbose_name=_("ticket"))
    lemmas = models.TextField(_("index terms"), blank=True)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("search document")
        verbose_name_plural = _("search documents")

    def __str__(self) -> str:
        return f"search document of ticket {self.ticket_id}"
