"""Custom field values: validation by kind, the set that applies to a channel [TK5]."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from helpwire.tickets.models import CustomField, FieldKind, FieldValue, Ticket


def for_channel(channel_id: int) -> QuerySet[CustomField]:
    return CustomField.objects.filter(is_active=True).filter(
        Q(channels__isnull=True) | Q(channels=channel_id)
    ).distinct()


def _nested_paths(options: list[Any], prefix: tuple[str, ...] = ()) -> set[tuple[str, ...]]:
    paths: set[tuple[str, ...]] = set()
    for node in options or []:
        value = node.get("value") if isinstance(node, dict) else node
        path = (*prefix, str(value))
        paths.add(path)
        if isinstance(node, dict):
            paths |= _nested_paths(node.get("children") or [], path)
    return paths


def clean_value(field: CustomField, value: Any) -> Any:
    """The value as stored, or ValidationError; ``None`` or "" clears the field."""
    if value is None or value == "" or value == []:
        return None
    if "\x00" in str(value):
        raise ValidationError(_("%(field)s cannot contain a NUL character."),
                              code="invalid_value", params={"field": field.label})
    if field.kind == FieldKind.TEXT:
        if not isinstance(value, str | int | float):
            raise ValidationError(_("%(field)s expects text."), params={"field": field.label})
        value = str(value).strip()
        if len(value) > 5000:
            raise ValidationError(_("%(field)s is too long."), params={"field": field.label})
        return value or None
    if field.kind == FieldKind.CHECKBOX:
        if isinstance(value, bool):
            return value
        if value in ("true", "1", 1, "on"):
            return True
        if value in ("false", "0", 0, "off"):
            return False
        raise ValidationError(_("%(field)s expects yes or no."), params={"field": field.label})
    if field.kind == FieldKind.LIST:
        if str(value) not in [str(o) for o in field.options]:
            raise ValidationError(_("%(value)s is not an option of %(field)s."),
                                  params={"value": value, "field": field.label})
        return str(value)
    # Nested list: a path from the root, e.g. ["Оплата", "Возврат"].
    path = tuple(str(v) for v in (value if isinstance(value, list) else [value]))
    if path not in _nested_paths(field.options):
        raise ValidationError(_("%(value)s is not an option of %(field)s."),
                              params={"value": " › ".join(path), "field": field.label})
    return list(path)


def current(ticket: Ticket) -> dict[str, Any]:
    return {fv.field.key: fv.value for fv in ticket.field_values.select_related("field")}


def missing_required(ticket: Ticket) -> list[CustomField]:
    filled = set(
        FieldValue.objects.filter(ticket=ticket).values_list("field_id", flat=True)
    )
    return [f for f in for_channel(ticket.channel_id).filter(required=True) if f.pk not in filled]
