from __future__ import annotations

from django import template
from django.utils.safestring import SafeString, mark_safe

from helpwire.conversations.sanitize import clean_html
from helpwire.tickets.models import Priority, Status

register = template.Library()


@register.filter
def clean(value: str) -> SafeString:
    """Stored bodies were sanitised on the way in; sanitise again on the way out, so a
    row written by an older version or by hand can never carry script to a browser."""
    return mark_safe(clean_html(value or ""))  # noqa: S308


@register.filter
def field_path(value: object) -> str:
    if isinstance(value, list):
        return " › ".join(str(v) for v in value)
    return "" if value is None else str(value)


@register.filter
def depth(path: str) -> int:
    return min(str(path).count("›"), 5)


_STATUS = dict(Status.choices)
_PRIORITY = dict(Priority.choices)


@register.filter
def status_label(code: str) -> str:
    """Like get_status_display, without rebuilding the choices for every row."""
    return str(_STATUS.get(code, code))


@register.filter
def priority_label(code: str) -> str:
    return str(_PRIORITY.get(code, code))
