"""Client cards, their identities and companies [CL1 CL2 CL4 CL5 CL6 CL7]."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Company(models.Model):
    name = models.CharField(_("name"), max_length=200)
    # Colleagues: clients of an internal company are internal requesters [CL4].
    is_internal = models.BooleanField(_("internal"), default=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("company")
        verbose_name_plural = _("companies")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CompanyDomain(models.Model):
    """A client writing from this email domain joins the company automatically."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="domains")
    domain = models.CharField(_("domain"), max_length=253, unique=True)

    class Meta:
        verbose_name = _("company domain")
        verbose_name_plural = _("company domains")

    def __str__(self) -> str:
        return self.domain


def fold(text: str) -> str:
    """Case- and ё-insensitive form for lookups; SQLite's LIKE folds only ASCII."""
    return (text or "").casefold().replace("ё", "е")


class Client(models.Model):
    name = models.CharField(_("name"), max_length=200, blank=True)
    # Derived from ``name`` on every save (bulk loaders set it themselves).
    name_folded = models.CharField(max_length=200, blank=True, editable=False)
    company = models.ForeignKey(Company, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="clients", verbose_name=_("company"))
    is_internal = models.BooleanField(_("internal requester"), default=False)
    responsible = models.ForeignKey(
        "accounts.Agent", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="responsible_for", verbose_name=_("responsible agent"),
    )
    note = models.TextField(_("note"), blank=True)
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="merged_from", verbose_name=_("merged into"))
    # The agent who made the card by hand (empty: it came with a message); he sees it even
    # before it has a ticket of his.
    created_by = models.ForeignKey("accounts.Agent", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+",
                                   verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("client")
        verbose_name_plural = _("clients")
        indexes = [models.Index(fields=["name"], name="clients_client_name")]

    def __str__(self) -> str:
        return self.name or str(_("Client #%(id)s") % {"id": self.pk})

    def save(self, *args: object, **kwargs: object) -> None:
        self.name_folded = fold(self.name)[:200]
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "name" in update_fields:  # type: ignore[operator]
            kwargs["update_fields"] = {*update_fields, "name_folded"}  # type: ignore[misc]
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class IdentityKind(models.TextChoices):
    EMAIL = "email", _("email")
    PHONE = "phone", _("phone")
    TELEGRAM = "telegram", _("Telegram")
    VK = "vk", _("VK")
    WHATSAPP = "whatsapp", _("WhatsApp")
    WIDGET = "widget", _("chat widget")
    EXTERNAL = "external", _("external id")


class Identity(models.Model):
    """One way to reach or recognise a client. (kind, value) is unique across all clients,
    so a phone or an email always leads to exactly one card [CL2]."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="identities")
    kind = models.CharField(_("kind"), max_length=16, choices=IdentityKind.choices)
    value = models.CharField(_("value"), max_length=320)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("identity")
        verbose_name_plural = _("identities")
        constraints = [
            models.UniqueConstraint(fields=["kind", "value"], name="clients_identity_unique")
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.value}"
