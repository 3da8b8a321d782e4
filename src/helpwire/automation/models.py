"""Canned replies (templates) grouped in a tree of sections [TK7], rules and their firings
[AU1], outbound HTTP requests [AU8] and mass mailings [AU7]."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
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
    # What sending a reply made from it also does (Usedesk's templates with actions): tags,
    # status, priority, type — ``[{"type": "add_tags", "tags": […]}, …]`` [TK7].
    actions = models.JSONField(_("actions"), default=list, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("reply template")
        verbose_name_plural = _("reply templates")
        ordering = ["section", "title"]

    def __str__(self) -> str:
        return f"{self.section} › {self.title}" if self.section else self.title


class RuleMode(models.TextChoices):
    EVENT = "event", _("on events")
    TIME = "time", _("on a schedule")
    MANUAL = "manual", _("run by hand")


class Rule(models.Model):
    """An automation rule [AU1]: when (mode, events), if (conditions), do (actions). Rules
    run top to bottom by ``position``; ``stop`` ends the run after this one matched. The
    JSON shapes are the API's (``automation.rule_inputs`` checks them)."""

    name = models.CharField(_("name"), max_length=200)
    enabled = models.BooleanField(_("enabled"), default=False)
    position = models.PositiveIntegerField(_("position"), default=0, db_index=True)
    mode = models.CharField(_("mode"), max_length=8, choices=RuleMode.choices,
                            default=RuleMode.EVENT)
    events = models.JSONField(_("events"), default=list, blank=True)
    conditions = models.JSONField(_("conditions"), default=dict, blank=True)
    actions = models.JSONField(_("actions"), default=list)
    stop = models.BooleanField(_("stop further rules"), default=False)
    daily_cap = models.PositiveIntegerField(
        _("firings per ticket per day"), default=20,
        help_text=_("A rule fires at most this often on one ticket in a day (no rule loops)."))
    # What the rule keeps between firings (the round-robin turn per group).
    state = models.JSONField(default=dict, blank=True, editable=False)
    # Signing secrets of its HTTP requests, encrypted, newest last; write-only [AU8].
    secrets = models.JSONField(default=list, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("rule")
        verbose_name_plural = _("rules")
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.name


class Outcome(models.TextChoices):
    DONE = "done", _("done")
    FAILED = "failed", _("failed")
    CAPPED = "capped", _("daily limit reached")
    TOO_DEEP = "too_deep", _("chain too deep")


class RuleFiring(models.Model):
    """One rule matching one ticket: what matched, what was done, how it went [AU1]."""

    rule = models.ForeignKey(Rule, null=True, on_delete=models.SET_NULL, related_name="firings")
    rule_name = models.CharField(_("rule"), max_length=200)
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE,
                               related_name="rule_firings")
    event = models.CharField(_("event"), max_length=32)
    matched = models.JSONField(_("matched conditions"), default=list)
    done = models.JSONField(_("actions"), default=list)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    error = models.TextField(_("error"), blank=True)
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("rule firing")
        verbose_name_plural = _("rule firings")
        indexes = [models.Index(fields=["rule", "ticket", "at"], name="firing_rule_ticket_at"),
                   models.Index(fields=["-at"], name="firing_at")]

    def __str__(self) -> str:
        return f"{self.rule_name} → {self.ticket_id} ({self.outcome})"


class RequestState(models.TextChoices):
    QUEUED = "queued", _("queued")
    SENDING = "sending", _("sending")
    SENT = "sent", _("sent")
    FAILED = "failed", _("failed")
    REFUSED = "refused", _("refused (not a public address)")


class OutboundRequest(models.Model):
    """One HTTP request a rule made [AU8]: rendered when the rule fired, sent by a task
    after commit, retried on 5xx, 429 and timeouts. The delivery log admins read."""

    event_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    rule = models.ForeignKey(Rule, null=True, on_delete=models.SET_NULL, related_name="requests")
    rule_name = models.CharField(_("rule"), max_length=200)
    ticket = models.ForeignKey("tickets.Ticket", null=True, on_delete=models.SET_NULL,
                               related_name="+")
    method = models.CharField(max_length=8)
    url = models.TextField()
    headers = models.JSONField(default=dict)
    body = models.TextField(blank=True)
    state = models.CharField(_("state"), max_length=8, choices=RequestState.choices,
                             default=RequestState.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    last_status = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    response = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("HTTP request")
        verbose_name_plural = _("HTTP requests")
        indexes = [
            models.Index(fields=["next_attempt_at"], condition=Q(state="queued"),
                         name="request_due"),
            models.Index(fields=["claimed_until"], condition=Q(state="sending"),
                         name="request_claimed"),
            models.Index(fields=["rule", "-created_at"], name="request_rule"),
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.url[:80]} ({self.state})"


class HttpTarget(models.Model):
    """A host rules call, with its circuit breaker: after a run of failures requests to it
    wait until ``open_until`` and admins are told."""

    host = models.CharField(max_length=255, unique=True)
    failures = models.PositiveIntegerField(default=0)
    open_until = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    def __str__(self) -> str:
        return self.host


class Mailing(models.Model):
    """A mass mailing [AU7]: one text to many recipients, each on a ticket of his own in the
    ``mailing`` status (out of queues and statistics until he answers; then it opens, in
    the mailing's group, with its tag). The text is the template's as it was at the start,
    so editing the template later does not change a mailing under way."""

    name = models.CharField(_("name"), max_length=200)
    template = models.ForeignKey(ReplyTemplate, null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+",
                                 verbose_name=_("template"))
    body = models.TextField(_("text"))
    subject = models.CharField(_("subject"), max_length=500)
    channel = models.ForeignKey("connectors.Channel", on_delete=models.PROTECT,
                                related_name="+", verbose_name=_("mailbox"))
    group = models.ForeignKey("accounts.Group", null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+",
                              verbose_name=_("group"))
    tag = models.CharField(_("tag for the answers"), max_length=500, blank=True)
    # Where the recipients came from: pasted addresses, or the clients of a tag's tickets.
    source_tag = models.CharField(_("clients of tickets tagged"), max_length=500, blank=True)
    recipients = models.PositiveIntegerField(_("recipients"), default=0)
    created_by = models.ForeignKey("accounts.Agent", on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("started by"))
    job = models.OneToOneField("tickets.BulkJob", null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="mailing")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("mailing")
        verbose_name_plural = _("mailings")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.name
