"""Agents, groups (departments), roles, API tokens and agent notifications [TM1]."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("administrator")
    SUPERVISOR = "supervisor", _("supervisor")
    AGENT = "agent", _("agent")
    CONTRACTOR = "contractor", _("contractor")


class Group(models.Model):
    """A department: tickets are routed to it and its agents see its queue."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True)
    calendar = models.ForeignKey(
        "calendars.Calendar", verbose_name=_("working hours"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="groups",
        help_text=_("Empty: the company's default calendar."))

    class Meta:
        verbose_name = _("group")
        verbose_name_plural = _("groups")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class AgentManager(BaseUserManager["Agent"]):
    def create_user(self, email: str, password: str | None = None, **extra: Any) -> Agent:
        agent = self.model(email=self.normalize_email(email).lower(), **extra)
        agent.set_password(password)
        agent.save(using=self._db)
        return agent

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> Agent:
        extra.setdefault("role", Role.ADMIN)
        extra.setdefault("name", email.split("@")[0])
        return self.create_user(email, password, **extra)


class Agent(AbstractBaseUser):
    """A person who works tickets. Logs in by email; the role decides what he may do."""

    email = models.EmailField(_("email"), unique=True)
    name = models.CharField(_("name"), max_length=150)
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.AGENT)
    groups = models.ManyToManyField(Group, blank=True, related_name="agents",
                                    verbose_name=_("groups"))
    is_active = models.BooleanField(_("active"), default=True)
    # Set by the agent himself: rules' round robin and least-loaded assignment skip him.
    is_away = models.BooleanField(_("away"), default=False)
    language = models.CharField(_("language"), max_length=8, blank=True)
    time_zone = models.CharField(_("time zone"), max_length=64, blank=True)
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["name"]

    objects = AgentManager()

    class Meta:
        verbose_name = _("agent")
        verbose_name_plural = _("agents")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name or self.email

    # Django admin integration: only administrators reach the admin site.
    @property
    def is_staff(self) -> bool:
        return self.is_active and self.role == Role.ADMIN

    @property
    def is_superuser(self) -> bool:
        return self.is_staff

    def has_perm(self, perm: str, obj: object = None) -> bool:
        return self.is_staff

    def has_module_perms(self, app_label: str) -> bool:
        return self.is_staff


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


LAST_USED_STEP = timedelta(minutes=1)


class ApiToken(models.Model):
    """A bearer token for the REST API. Only its SHA-256 digest is stored."""

    PREFIX = "hw_"

    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="api_tokens",
                              verbose_name=_("agent"))
    name = models.CharField(_("name"), max_length=100, blank=True)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    hint = models.CharField(_("starts with"), max_length=12, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.hint}… ({self.agent})"

    @classmethod
    def issue(cls, *, agent: Agent, name: str = "") -> tuple[ApiToken, str]:
        raw = cls.PREFIX + secrets.token_urlsafe(32)
        token = cls.objects.create(agent=agent, name=name, digest=_digest(raw), hint=raw[:10])
        return token, raw

    @classmethod
    def authenticate(cls, raw: str) -> Agent | None:
        token = (
            cls.objects.select_related("agent")
            .filter(digest=_digest(raw), revoked_at__isnull=True, agent__is_active=True)
            .first()
        )
        if token is None:
            return None
        now = timezone.now()
        # "Last used" to the minute: a write on every request would make each API read a
        # writer (on SQLite, a turn at the one write lock) for a date shown in settings.
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_STEP:
            cls.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.agent


class Notification(models.Model):
    """Something an agent should look at: a reminder fired, a mention, an assignment."""

    class Kind(models.TextChoices):
        REMINDER = "reminder", _("reminder")
        ASSIGNED = "assigned", _("assigned")
        MENTION = "mention", _("mention")
        DELIVERY_FAILED = "delivery_failed", _("reply not delivered")
        MAIL = "mail", _("mailbox problem")
        RULE = "rule", _("rule")

    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    ticket = models.ForeignKey("tickets.Ticket", null=True, blank=True, on_delete=models.CASCADE,
                               related_name="+")
    text = models.CharField(_("text"), max_length=500)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(fields=["agent", "-created_at"], name="accounts_notif_agent"),
            models.Index(fields=["agent"], condition=models.Q(read_at__isnull=True),
                         name="accounts_notif_unread"),
        ]

    def __str__(self) -> str:
        return self.text
