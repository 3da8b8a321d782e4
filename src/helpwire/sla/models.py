"""SLA policies and which group uses which [SL1 SL2]."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

METRICS = ("first_response", "next_response", "resolution")
PAUSABLE = ("pending", "on_hold")


class SlaPolicy(models.Model):
    """Targets per priority for first response, next response and resolution, in working
    seconds of ``calendar`` (none: round the clock). The JSON shapes are the API's
    (``sla.inputs`` checks them)."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    calendar = models.ForeignKey(
        "calendars.Calendar", null=True, blank=True, on_delete=models.PROTECT,
        related_name="sla_policies", verbose_name=_("working hours"),
        help_text=_("Empty: round the clock, every day."))
    # {"medium": {"first_response": 3600, "next_response": 7200, "resolution": 86400}, …}
    targets = models.JSONField(_("targets"), default=dict)
    warning_seconds = models.PositiveIntegerField(_("warn this long before"), default=900)
    pause_on = models.JSONField(_("paused while"), default=list)
    notes_count = models.BooleanField(_("private notes count as a response"), default=False)
    # The policy of tickets in groups without their own.
    is_default = models.BooleanField(_("default"), default=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["is_default"],
                                               condition=Q(is_default=True),
                                               name="sla_one_default_policy")]

    def __str__(self) -> str:
        return self.name

    def target(self, priority: str, metric: str) -> int | None:
        value = (self.targets or {}).get(priority, {}).get(metric)
        return int(value) if value else None


class GroupPolicy(models.Model):
    """A group's own policy (the sla app keeps it, so accounts need not know SLA exists)."""

    group = models.OneToOneField("accounts.Group", primary_key=True, on_delete=models.CASCADE,
                                 related_name="sla")
    policy = models.ForeignKey(SlaPolicy, on_delete=models.PROTECT, related_name="group_links")

    def __str__(self) -> str:
        return f"{self.group_id} → {self.policy_id}"


class Source(models.TextChoices):
    GROUP = "group", _("the group's policy")
    DEFAULT = "default", _("the default policy")
    RULE = "rule", _("set by a rule")
    MANUAL = "manual", _("set by hand")


class TicketSla(models.Model):
    """One ticket's clocks [SL2]. Each metric keeps when its clock started and when it was
    met; pauses are kept once for all (a ticket pending stops every clock). What the API
    shows — due, remaining, state — is derived by ``sla.clock`` from these and the policy;
    ``due_at`` (the nearest deadline of a running clock) and ``breached`` are stored for
    the lists, the Overdue queue and sorting by "next due"."""

    ticket = models.OneToOneField("tickets.Ticket", primary_key=True, on_delete=models.CASCADE,
                                  related_name="sla")
    policy = models.ForeignKey(SlaPolicy, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+")
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.DEFAULT)
    pauses = models.JSONField(default=list, blank=True)  # [[start, end or null], …] ISO
    first_response_start = models.DateTimeField(null=True, blank=True)
    first_response_met_at = models.DateTimeField(null=True, blank=True)
    # The current next-response cycle: from the client's first unanswered message after an
    # answer to the reply that answers it.
    next_response_start = models.DateTimeField(null=True, blank=True)
    next_response_met_at = models.DateTimeField(null=True, blank=True)
    resolution_start = models.DateTimeField(null=True, blank=True)
    resolution_met_at = models.DateTimeField(null=True, blank=True)
    # Warnings and breaches already announced in the current cycle of each metric
    # ({"first_response": {"warned": iso, "breached": iso}}), so each fires once.
    marks = models.JSONField(default=dict, blank=True)
    # Deadlines set by hand for the current cycle of a metric ({"resolution": iso}) [SL3]:
    # the clock's target becomes the working time from its start to that moment.
    due_overrides = models.JSONField(default=dict, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    # When the nearest running clock enters its warning window (the "warning" state).
    warning_at = models.DateTimeField(null=True, blank=True)
    breached = models.BooleanField(default=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["due_at"], condition=Q(due_at__isnull=False),
                                name="sla_ticket_due"),
                   models.Index(fields=["breached"], condition=Q(breached=True),
                                name="sla_ticket_breached")]

    def __str__(self) -> str:
        return f"SLA of {self.ticket_id}"


class Outcome(models.TextChoices):
    MET = "met", _("met")
    BREACHED = "breached", _("breached")


class SlaRecord(models.Model):
    """One clock's outcome, for reports [SL2, RP2]: a target met in time, or breached (kept
    when the breach is announced; a late answer later does not make it met). One row per
    ticket, metric and cycle (next response has one per client message answered)."""

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE,
                               related_name="sla_records")
    metric = models.CharField(max_length=16)
    policy = models.ForeignKey(SlaPolicy, null=True, on_delete=models.SET_NULL, related_name="+")
    started_at = models.DateTimeField()
    outcome = models.CharField(max_length=8, choices=Outcome.choices)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["ticket", "metric", "started_at"],
                                               name="sla_record_once_per_cycle")]
        indexes = [models.Index(fields=["at"], name="sla_record_at")]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.metric} {self.outcome}"
