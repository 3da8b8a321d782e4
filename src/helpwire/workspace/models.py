"""Saved filters of the queue list, personal or shared with the team [TK8]."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class SavedView(models.Model):
    name = models.CharField(_("name"), max_length=100)
    # No owner: shared with everybody.
    owner = models.ForeignKey("accounts.Agent", null=True, blank=True, on_delete=models.CASCADE,
                              related_name="saved_views", verbose_name=_("owner"))
    filters = models.JSONField(_("filters"), default=dict)
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("saved filter")
        verbose_name_plural = _("saved filters")
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name
