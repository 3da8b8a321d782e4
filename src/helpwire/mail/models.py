"""Mailboxes [CH1], the raw mail they received, and the records loop protection counts.

A mailbox is an email channel (``connectors.Channel`` of kind email) plus what only mail
has: IMAP and SMTP settings (secrets encrypted at rest, see ``mail.crypto``), the polling
position (UIDVALIDITY and last UID, so a folder is never re-scanned), and its health.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Security(models.TextChoices):
    SSL = "ssl", _("SSL/TLS")
    STARTTLS = "starttls", _("STARTTLS")
    NONE = "none", _("none (trusted network only)")


class AuthKind(models.TextChoices):
    PASSWORD = "password", _("password")
    OAUTH2 = "oauth2", _("OAuth2 (Microsoft 365, Google Workspace)")


class Mailbox(models.Model):
    channel = models.OneToOneField("connectors.Channel", on_delete=models.CASCADE,
                                   related_name="mailbox")
    address = models.EmailField(_("address"), unique=True)
    auth = models.CharField(_("authentication"), max_length=16, choices=AuthKind.choices,
                            default=AuthKind.PASSWORD)

    imap_host = models.CharField(_("IMAP server"), max_length=255, blank=True)
    imap_port = models.PositiveIntegerField(_("IMAP port"), default=993)
    imap_security = models.CharField(_("IMAP security"), max_length=16,
                                     choices=Security.choices, default=Security.SSL)
    imap_user = models.CharField(_("IMAP login"), max_length=255, blank=True)
    imap_secret = models.TextField(blank=True)  # encrypted password or refresh token
    imap_folder = models.CharField(_("folder"), max_length=255, default="INBOX")
    poll_seconds = models.PositiveIntegerField(_("check every (seconds)"), default=60)

    smtp_host = models.CharField(_("SMTP server"), max_length=255, blank=True)
    smtp_port = models.PositiveIntegerField(_("SMTP port"), default=465)
    smtp_security = models.CharField(_("SMTP security"), max_length=16,
                                     choices=Security.choices, default=Security.SSL)
    smtp_user = models.CharField(_("SMTP login"), max_length=255, blank=True)
    smtp_secret = models.TextField(blank=True)

    # OAuth2 (XOAUTH2) instead of passwords: the provider's app registration, and the
    # tokens it granted (encrypted like the passwords). See ``mail.oauth``.
    oauth_provider = models.CharField(_("OAuth2 provider"), max_length=16, blank=True)
    oauth_client_id = models.CharField(_("OAuth2 client id"), max_length=255, blank=True)
    oauth_client_secret = models.TextField(blank=True)
    oauth_tenant = models.CharField(_("Microsoft tenant"), max_length=100, blank=True)
    oauth_authorize_url = models.URLField(_("authorization URL"), blank=True)
    oauth_token_url = models.URLField(_("token URL"), blank=True)
    oauth_scope = models.CharField(_("scope"), max_length=500, blank=True)
    oauth_refresh = models.TextField(blank=True)
    oauth_access = models.TextField(blank=True)
    oauth_expires_at = models.DateTimeField(null=True, blank=True)

    signature_html = models.TextField(_("signature"), blank=True)
    # Mail to it is from colleagues: its tickets are internal requests (Boxberry).
    is_internal = models.BooleanField(_("internal requests"), default=False)
    # Agent notifications (mentions, reminders, password reset) leave through it.
    is_system = models.BooleanField(_("system mailbox"), default=False)
    # An acknowledgement sent on each new ticket (the rules issue makes this a rule).

    # Polling position and health. ``next_poll_at`` is the due column the scheduler sweeps.
    uidvalidity = models.BigIntegerField(null=True, blank=True)
    last_uid = models.BigIntegerField(default=0)
    next_poll_at = models.DateTimeField(null=True, blank=True, db_index=True)
    last_polled_at = models.DateTimeField(_("last checked"), null=True, blank=True)
    failures = models.PositiveIntegerField(default=0)  # polls failed in a row
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("mailbox")
        verbose_name_plural = _("mailboxes")
        ordering = ["address"]

    def __str__(self) -> str:
        return self.address

    @property
    def domain(self) -> str:
        return self.address.rpartition("@")[2].lower()


class RawState(models.TextChoices):
    STORED = "stored", _("stored")  # the bytes are safe; not yet taken in
    TAKEN = "taken", _("taken in")
    DUPLICATE = "duplicate", _("duplicate")
    BOUNCE = "bounce", _("bounce")
    IGNORED = "ignored", _("ignored")  # from one of our own mailboxes
    QUARANTINED = "quarantined", _("quarantined")


class RawMail(models.Model):
    """Every mail as it arrived, kept beside the parsed message: for audit, "show
    original", and taking in again once a quarantined message can be read."""

    mailbox = models.ForeignKey(Mailbox, on_delete=models.CASCADE, related_name="raw_mail")
    path = models.CharField(max_length=300)  # under the data dir's ``mail/``
    digest = models.CharField(max_length=64, db_index=True)  # sha256 without trace headers
    message_id_header = models.CharField(max_length=500, blank=True, db_index=True)
    sender = models.CharField(max_length=320, blank=True)
    subject = models.CharField(max_length=500, blank=True)
    size = models.PositiveIntegerField(default=0)
    state = models.CharField(max_length=16, choices=RawState.choices, default=RawState.STORED)
    opened_ticket = models.BooleanField(default=False)  # what the flood cap counts
    reason = models.TextField(_("reason"), blank=True)
    message = models.ForeignKey("tickets.Message", null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="raw_mail")
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["state", "-received_at"], name="mail_raw_state"),
                   models.Index(fields=["sender", "received_at"], name="mail_raw_sender")]

    def __str__(self) -> str:
        return f"{self.sender} {self.subject}"


class AutoReply(models.Model):
    """One automatic message sent to an address: what the per-sender cap counts."""

    address = models.EmailField()
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["address", "sent_at"], name="mail_autoreply_addr")]

    def __str__(self) -> str:
        return f"{self.address} {self.sent_at:%Y-%m-%d %H:%M}"


class Participant(models.Model):
    """Someone on a ticket's conversation besides the client: CC recipients [CH1]. They
    are kept on replies, and a ``[#NUMBER]`` subject token is honoured only from them
    or the client."""

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE,
                               related_name="participants")
    address = models.EmailField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["ticket", "address"],
                                               name="mail_participant_unique")]

    def __str__(self) -> str:
        return self.address
