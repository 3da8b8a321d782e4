"""Writes for mailboxes: create, change, test the connection, release quarantined mail."""

from __future__ import annotations

import smtplib
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from helpwire.accounts import permissions
from helpwire.accounts.models import Group
from helpwire.connectors.models import Channel, ChannelKind
from helpwire.core.actors import Actor
from helpwire.mail import crypto, imap, intake
from helpwire.mail.connector import open_smtp
from helpwire.mail.models import AuthKind, Mailbox, RawMail, RawState, Security

SETTINGS = ("imap_host", "imap_port", "imap_security", "imap_user", "imap_folder",
            "poll_seconds", "smtp_host", "smtp_port", "smtp_security", "smtp_user",
            "signature_html", "is_internal", "is_system", "auth",
            "oauth_provider", "oauth_client_id", "oauth_tenant", "oauth_authorize_url",
            "oauth_token_url", "oauth_scope")


def _check(values: dict[str, object]) -> None:
    if values.get("auth", AuthKind.PASSWORD) not in AuthKind.values:
        raise ValidationError(_("Unknown sign-in method."), code="invalid_auth")
    for side in ("imap", "smtp"):
        if values.get(f"{side}_security", Security.SSL) not in Security.values:
            raise ValidationError(_("Unknown security setting: %(value)s."),
                                  code="invalid_security",
                                  params={"value": values[f"{side}_security"]})
        port = values.get(f"{side}_port")
        if port is not None and not (0 < int(port) < 65536):  # type: ignore[call-overload]
            raise ValidationError(_("A port is a number from 1 to 65535."), code="invalid_port")


@transaction.atomic
def create_mailbox(*, actor: Actor, address: str, name: str = "", group: Group | None = None,
                   imap_password: str = "", smtp_password: str = "",
                   oauth_client_secret: str = "", **values: object) -> Mailbox:
    permissions.require(actor, "settings.manage")
    address = address.strip().lower()
    validate_email(address)
    if Mailbox.objects.filter(address=address).exists():
        raise ValidationError(_("There is already a mailbox for %(address)s."),
                              code="mailbox_exists", params={"address": address})
    _check(values)
    unknown = set(values) - set(SETTINGS)
    if unknown:
        raise TypeError(f"unknown mailbox settings: {sorted(unknown)}")
    label = (name or address).strip()[:100]
    if Channel.objects.filter(name=label).exists():
        label = address[:100]
    channel = Channel.objects.create(kind=ChannelKind.EMAIL, name=label, default_group=group,
                                     config={"address": address})
    if values.get("is_system"):
        Mailbox.objects.filter(is_system=True).update(is_system=False)
    return Mailbox.objects.create(channel=channel, address=address,
                                  imap_secret=crypto.encrypt(imap_password),
                                  smtp_secret=crypto.encrypt(smtp_password),
                                  oauth_client_secret=crypto.encrypt(oauth_client_secret),
                                  **values)


@transaction.atomic
def update_mailbox(*, actor: Actor, mailbox: Mailbox, name: str | None = None,
                   group: Group | object | None = ..., imap_password: str | None = None,
                   smtp_password: str | None = None, oauth_client_secret: str | None = None,
                   **values: object) -> Mailbox:
    """Change what is given; a password left out (None) stays as it was."""
    permissions.require(actor, "settings.manage")
    _check(values)
    for key, value in values.items():
        if key not in SETTINGS:
            raise TypeError(f"unknown mailbox setting: {key}")
        setattr(mailbox, key, value)
    if imap_password is not None:
        mailbox.imap_secret = crypto.encrypt(imap_password)
    if smtp_password is not None:
        mailbox.smtp_secret = crypto.encrypt(smtp_password)
    if oauth_client_secret is not None:
        mailbox.oauth_client_secret = crypto.encrypt(oauth_client_secret)
    if {"imap_host", "imap_folder", "imap_user"} & set(values):
        mailbox.uidvalidity = None  # another folder: start again from what is unseen
    if values.get("is_system"):
        Mailbox.objects.exclude(pk=mailbox.pk).filter(is_system=True).update(is_system=False)
    mailbox.failures = 0
    mailbox.next_poll_at = None
    mailbox.save()
    channel = mailbox.channel
    if name:
        channel.name = name.strip()[:100]
    if group is not ...:
        channel.default_group = group  # type: ignore[assignment]
    channel.save()
    return mailbox


@dataclass(frozen=True)
class ConnectionReport:
    imap: str  # "" when fine, else the server's exact error
    smtp: str
    imap_checked: bool
    smtp_checked: bool

    @property
    def ok(self) -> bool:
        return not self.imap and not self.smtp


def test_connection(*, mailbox: Mailbox) -> ConnectionReport:
    """Log in to both servers and say exactly what each answered."""
    imap_error = smtp_error = ""
    if mailbox.imap_host:
        try:
            box = imap.connect(mailbox)
            box.logout()
        except Exception as exc:  # any failure is what the admin needs to read
            imap_error = f"{exc.__class__.__name__}: {exc}"
    if mailbox.smtp_host:
        try:
            smtp = open_smtp(mailbox)
            smtp.noop()
            smtp.quit()
        except (smtplib.SMTPException, OSError) as exc:
            smtp_error = f"{exc.__class__.__name__}: {exc}"
    return ConnectionReport(imap=imap_error, smtp=smtp_error,
                            imap_checked=bool(mailbox.imap_host),
                            smtp_checked=bool(mailbox.smtp_host))


def release(*, actor: Actor, raw_mail: RawMail) -> intake.Outcome:
    """Take a quarantined mail in again (after a fix, or to let a flood through)."""
    permissions.require(actor, "settings.manage")
    if raw_mail.state != RawState.QUARANTINED:
        raise ValidationError(_("Only quarantined mail can be taken in again."),
                              code="not_quarantined")
    return intake.take_in(raw_mail, force=True)
