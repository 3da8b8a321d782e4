"""The durable event log and the generic timer table.

Both are plain rows so that nothing which must happen later lives only in memory: events
are written in the transaction that caused them and handed to subscribers after commit;
timers carry an indexed ``due_at`` that the scheduler sweeps.
"""

from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from helpwire.core.actors import ActorFields


class Event(ActorFields):
    kind = models.CharField(_("kind"), max_length=64)
    # A plain column rather than a foreign key: the log outlives deleted tickets and the
    # core app must not depend on the tickets app.
    ticket_id = models.BigIntegerField(_("ticket"), null=True, blank=True, db_index=True)
    payload = models.JSONField(_("payload"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    # Set once every subscriber succeeded (or, after the last attempt, once we gave up).
    dispatched_at = models.DateTimeField(_("dispatched at"), null=True, blank=True)
    # When the outbox sweep may hand the event out again: its task never ran, its worker
    # died, or a subscriber failed and is backing off.
    retry_at = models.DateTimeField(_("retry at"), null=True, blank=True)
    # Subscribers that already succeeded; a retry runs only the others.
    done = models.JSONField(default=list, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        indexes = [
            models.Index(
                fields=["retry_at"],
                condition=models.Q(dispatched_at__isnull=True),
                name="core_event_undispatched",
            )
        ]

    # Not a column: objects the emitter holds, for the in-transaction hooks (events.held).
    in_hand: dict[str, Any]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"


class Timer(models.Model):
    kind = models.CharField(_("kind"), max_length=64)
    due_at = models.DateTimeField(_("due at"))
    ticket_id = models.BigIntegerField(_("ticket"), null=True, blank=True, db_index=True)
    payload = models.JSONField(_("payload"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    fired_at = models.DateTimeField(_("fired at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("timer")
        verbose_name_plural = _("timers")
        indexes = [
            models.Index(
                fields=["due_at"],
                condition=models.Q(fired_at__isnull=True),
                name="core_timer_pending_due",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} at {self.due_at:%Y-%m-%d %H:%M}"
