"""Normalising identities so that one person is one row however he typed himself."""

from __future__ import annotations

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from helpwire.clients.models import IdentityKind


def normalize_email(raw: str) -> str:
    value = (raw or "").strip().lower()
    try:
        validate_email(value)
    except ValidationError:
        raise ValidationError(
            _("%(value)s is not a valid email address."), code="invalid_email",
            params={"value": raw},
        ) from None
    return value


def normalize_phone(raw: str, *, region: str | None = None) -> str:
    """E.164, e.g. "8 (912) 345-67-89" → "+79123456789" with the default region RU."""
    region = region or settings.HELPWIRE_DEFAULT_PHONE_REGION
    text = (raw or "").strip()
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_possible_number(number):
        raise ValidationError(
            _("%(value)s is not a valid phone number."), code="invalid_phone",
            params={"value": raw},
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalize(kind: str, raw: str) -> str:
    if kind == IdentityKind.EMAIL:
        return normalize_email(raw)
    if kind == IdentityKind.PHONE:
        return normalize_phone(raw)
    if kind not in IdentityKind.values:
        raise ValidationError(_("Unknown identity kind %(kind)s."), code="invalid_identity",
                              params={"kind": kind})
    value = (raw or "").strip()
    if not value or len(value) > 320:
        raise ValidationError(_("An identity needs a value of at most 320 characters."),
                              code="invalid_identity")
    return value


def email_domain(email: str) -> str:
    return email.rsplit("@", 1)[-1].lower()
