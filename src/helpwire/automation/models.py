"""Canned replies (templates) grouped in a tree of sections [TK7]. Rules, mass mailings and
outbound requests will live here too."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ReplyTemplate(models.Model):
    section = models.CharField(
        _("section"), max_length=300, blank=True,
        help_text=_("Tree path, e.g. “Финансы › Возвраты”."))
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(
        _("text"),
        help_text=_("Variables: {{client.name}}, {{ticket.number}}, {{ticket.subject}}, "
                    "{{agent.name}}."))
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("reply template")
        verbose_name_plural = _("reply templates")
        ordering = ["section", "title"]

    def __str__(self) -> str:
        return f"{self.section} › {self.title}" if self.section else self.title
