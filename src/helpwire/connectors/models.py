"""A channel is one configured source of conversations: a mailbox, a bot, the API…"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class ChannelKind(models.TextChoices):
    API = "api", _("API")
    MANUAL = "manual", _("manual (call or walk-in)")
    EMAIL = "email", _("email")
    TELEGRAM = "telegram", _("Telegram")
    VK = "vk", _("VK")
    WIDGET = "widget", _("chat widget")
    PHONE = "phone", _("telephony")
    REVIEWS = "reviews", _("app reviews")
    CUSTOM = "custom", _("custom channel")


# Which client identity a channel of each kind sends replies to. Kinds not listed (the API,
# the manual channel, app reviews) cannot carry a reply started elsewhere.
REACHES: dict[str, str] = {
    ChannelKind.EMAIL: "email",
    ChannelKind.TELEGRAM: "telegram",
    ChannelKind.VK: "vk",
    ChannelKind.WIDGET: "widget",
    ChannelKind.PHONE: "phone",
}


# Kinds whose conversation keys and message ids are global, not per channel: an email's
# Message-ID names one mail wherever it arrives, so a mail sent to two of our mailboxes is
# one message, and a reply threads whichever mailbox it reaches.
SHARED_KEYS: frozenset[str] = frozenset({ChannelKind.EMAIL})


def key_scope(kind: str, channel_id: int) -> str:
    """The key space a channel's thread keys and external ids live in."""
    return kind if kind in SHARED_KEYS else f"channel:{channel_id}"


# The built-in channels keep these names in the database (stable, unique); people see
# the labels, in their language.
BUILTIN_NAMES: dict[str, str] = {ChannelKind.API: "API", ChannelKind.MANUAL: "Manual"}
BUILTIN_LABELS: dict[str, str | Promise] = {ChannelKind.API: _("API"),
                                            ChannelKind.MANUAL: _("Calls and visits")}


class Channel(models.Model):
    kind = models.CharField(_("kind"), max_length=16, choices=ChannelKind.choices)
    name = models.CharField(_("name"), max_length=100, unique=True)
    is_active = models.BooleanField(_("active"), default=True)
    # Connector settings (mailbox host, bot token…); each connector validates its own.
    config = models.JSONField(_("settings"), default=dict, blank=True)
    # Empty means every group; otherwise only these groups' agents see it [CH10].
    groups = models.ManyToManyField("accounts.Group", blank=True, related_name="channels",
                                    verbose_name=_("groups"))
    default_group = models.ForeignKey(
        "accounts.Group", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("default group"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("channel")
        verbose_name_plural = _("channels")
        ordering = ["name"]

    def __str__(self) -> str:
        return str(self.display_name)

    @property
    def display_name(self) -> str | Promise:
        """The name people see: a built-in channel's in their language."""
        if BUILTIN_NAMES.get(self.kind) == self.name:
            return BUILTIN_LABELS[self.kind]
        return self.name

    @classmethod
    def builtin(cls, kind: str) -> Channel:
        """The single built-in channel of a kind that needs no settings (API, manual)."""
        channel, _created = cls.objects.get_or_create(
            kind=kind, name=BUILTIN_NAMES.get(kind, kind)
        )
        return channel
