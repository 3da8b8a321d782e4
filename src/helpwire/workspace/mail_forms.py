"""The mailbox form of the admin settings [CH1].

The form only reads and checks input; the views write through ``mail.actions``. Passwords
are never shown back: on a new mailbox an empty one is no password, on an existing one it
keeps the stored secret.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from helpwire.accounts.models import Group
from helpwire.connectors.models import Channel
from helpwire.conversations import rendering
from helpwire.conversations.sanitize import clean_html
from helpwire.mail import crypto
from helpwire.mail.actions import SETTINGS
from helpwire.mail.models import AuthKind, Mailbox, Security

_KNOWN_VARIABLES = {name for name, _label in rendering.VARIABLES}
_BRACES = re.compile(r"\{\{\s*(.*?)\s*\}\}")
# Where an action's coded error belongs on the form (anything else: above the fields).
_ERROR_FIELDS = {"mailbox_exists": "address", "invalid": "address"}


def _port(label: Any, initial: int) -> forms.IntegerField:
    return forms.IntegerField(label=label, min_value=1, max_value=65535, initial=initial)


def _security(label: Any) -> forms.ChoiceField:
    return forms.ChoiceField(label=label, choices=Security.choices, initial=Security.SSL)


def _password(label: Any) -> forms.CharField:
    return forms.CharField(label=label, required=False, strip=False, max_length=1000,
                           widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))


def _html(label: Any, help_text: Any) -> forms.CharField:
    return forms.CharField(label=label, required=False, strip=False, help_text=help_text,
                           widget=forms.Textarea(attrs={"rows": 5, "class": "code",
                                                        "spellcheck": "false"}))


class MailboxForm(forms.Form):
    address = forms.EmailField(label=_("Address"), max_length=254)
    name = forms.CharField(label=_("Display name"), max_length=100, required=False,
                           help_text=_("What agents see as the channel; empty: the address."))
    group = forms.ModelChoiceField(
        queryset=Group.objects.order_by("name"), required=False, label=_("Default group"),
        empty_label="—", help_text=_("New tickets from this mailbox go to this group."))

    imap_host = forms.CharField(
        label=_("IMAP server"), max_length=255, required=False,
        help_text=_("Empty when the mail server pipes mail in (“helpwire mail deliver”)."))
    imap_port = _port(_("IMAP port"), 993)
    imap_security = _security(_("IMAP security"))
    imap_user = forms.CharField(label=_("IMAP login"), max_length=255, required=False,
                                help_text=_("Empty: the address."))
    imap_password = _password(_("IMAP password"))
    imap_folder = forms.CharField(label=_("Folder"), max_length=255, initial="INBOX")
    poll_seconds = forms.IntegerField(label=_("Check every (seconds)"), min_value=10,
                                      max_value=86400, initial=60)

    smtp_host = forms.CharField(label=_("SMTP server"), max_length=255, required=False,
                                help_text=_("Empty: replies cannot be sent from this mailbox."))
    smtp_port = _port(_("SMTP port"), 465)
    smtp_security = _security(_("SMTP security"))
    smtp_user = forms.CharField(label=_("SMTP login"), max_length=255, required=False,
                                help_text=_("Empty: the server takes mail without logging in."))
    smtp_password = _password(_("SMTP password"))

    auth = forms.ChoiceField(label=_("Sign in with"), choices=AuthKind.choices, required=False,
                             initial=AuthKind.PASSWORD)
    oauth_provider = forms.ChoiceField(
        label=_("OAuth2 provider"), required=False,
        choices=[("", "—"), ("microsoft", "Microsoft 365"), ("google", "Google Workspace"),
                 ("custom", _("another provider (enter its URLs)"))])
    oauth_client_id = forms.CharField(label=_("App (client) id"), max_length=255,
                                      required=False)
    oauth_client_secret = _password(_("App (client) secret"))
    oauth_tenant = forms.CharField(label=_("Microsoft tenant"), max_length=100, required=False,
                                   help_text=_("Your directory id or domain; empty: common."))
    oauth_authorize_url = forms.URLField(label=_("Authorization URL"), required=False,
                                         assume_scheme="https",
                                         help_text=_("Only for another provider."))
    oauth_token_url = forms.URLField(label=_("Token URL"), required=False, assume_scheme="https",
                                     help_text=_("Only for another provider."))
    oauth_scope = forms.CharField(label=_("Scope"), max_length=500, required=False,
                                  help_text=_("Empty: what the provider needs for mail."))

    signature_html = _html(_("Signature"), _(
        "HTML added under every reply. It may use {{agent.name}}, {{ticket.number}}, "
        "{{client.name}} and {{ticket.subject}}."))
    is_internal = forms.BooleanField(
        label=_("Internal requests"), required=False,
        help_text=_("Mail to this mailbox comes from colleagues: its tickets are internal."))
    is_system = forms.BooleanField(
        label=_("System mailbox"), required=False,
        help_text=_("Agent notifications (mentions, reminders, password reset) leave through "
                    "it. Only one mailbox can be the system one."))

    def __init__(self, *args: Any, mailbox: Mailbox | None = None, **kwargs: Any) -> None:
        if mailbox is not None:
            initial = {name: getattr(mailbox, name) for name in SETTINGS}
            initial.update(address=mailbox.address, name=mailbox.channel.name,
                           group=mailbox.channel.default_group)
            kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        self.mailbox = mailbox
        if mailbox is not None:
            self.fields["address"].disabled = True
            self.fields["address"].help_text = _("The address cannot be changed; add another "
                                                 "mailbox for a new one.")
            for side, field in (("imap", "imap_password"), ("smtp", "smtp_password"),
                                ("oauth_client", "oauth_client_secret")):
                stored = bool(getattr(mailbox, f"{side}_secret"))
                self.fields[field].help_text = (
                    _("Leave empty to keep the stored password.") if stored
                    else _("None is stored; leave empty for none."))

    def clean_auth(self) -> str:
        return self.cleaned_data.get("auth") or AuthKind.PASSWORD

    def clean_address(self) -> str:
        return str(self.cleaned_data["address"]).strip().lower()

    def clean_name(self) -> str:
        name = (self.cleaned_data.get("name") or "").strip()
        if not name:
            return ""
        others = Channel.objects.filter(name=name)
        if self.mailbox is not None:
            others = others.exclude(pk=self.mailbox.channel_id)
        if others.exists():
            raise ValidationError(_("Another channel already has this name."),
                                  code="channel_exists")
        return name

    def _clean_html(self, name: str) -> str:
        text = self.cleaned_data.get(name) or ""
        unknown = sorted({m for m in _BRACES.findall(text) if m not in _KNOWN_VARIABLES})
        if unknown:
            raise ValidationError(
                _("Unknown variables: %(names)s."), code="unknown_variable",
                params={"names": ", ".join("{{%s}}" % n for n in unknown)})  # noqa: UP031
        return clean_html(text) if text.strip() else ""

    def clean_signature_html(self) -> str:
        return self._clean_html("signature_html")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        oauth = data.get("auth") == AuthKind.OAUTH2
        if oauth and not (data.get("oauth_provider") and data.get("oauth_client_id")):
            self.add_error("oauth_client_id", ValidationError(
                _("OAuth2 needs the provider and the app's client id."), code="oauth_app"))
        if data.get("imap_host") and not oauth and not data.get("imap_password") and not (
                self.mailbox is not None and self.mailbox.imap_secret):
            self.add_error("imap_password", ValidationError(
                _("An IMAP server needs the mailbox's password."), code="password_required"))
        return data

    # --- what the views hand the actions ------------------------------------------------

    def settings(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in SETTINGS}

    def new_password(self, side: str) -> str | None:
        """The password to store for "imap", "smtp" or "oauth_client": None (keep the
        stored one) when left empty on an existing mailbox."""
        typed: str = self.cleaned_data[f"{side}_password" if side != "oauth_client"
                                       else "oauth_client_secret"]
        return None if not typed and self.mailbox is not None else typed

    def apply_to(self, probe: Mailbox) -> Mailbox:
        """The form's settings on an unsaved copy, for a connection test (never saved)."""
        for name, value in self.settings().items():
            setattr(probe, name, value)
        for side, password in (("imap", self.cleaned_data["imap_password"]),
                               ("smtp", self.cleaned_data["smtp_password"])):
            if password:
                setattr(probe, f"{side}_secret", crypto.encrypt(password))
        return probe

    def add_action_error(self, exc: ValidationError) -> None:
        """An action's refusal, on the field it is about when the code says which."""
        for error in exc.error_list:
            field = _ERROR_FIELDS.get(str(error.code))
            self.add_error(field if field in self.fields else None, error)
