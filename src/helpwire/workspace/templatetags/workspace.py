from __future__ import annotations

from django import template
from django.utils.formats import number_format
from django.utils.safestring import SafeString, mark_safe

from helpwire.accounts import permissions
from helpwire.accounts.models import Agent
from helpwire.conversations.sanitize import clean_html
from helpwire.tickets import tags as tag_tree
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
        return tag_tree.join(value)
    return "" if value is None else str(value)


@register.filter
def grouped(value: int) -> str:
    """A count with the language's digit grouping ("1 000" in Russian, "1,000" in English),
    without turning on grouping for every number (ticket numbers stay "#1001")."""
    return number_format(value, force_grouping=True)


@register.filter
def field_raw(value: object) -> str:
    """A custom field's stored value as the panel posts it back (what the agent saw)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return field_path(value)


@register.filter
def depth(path: str) -> int:
    return min(tag_tree.depth(str(path)), 5)


@register.filter
def can(agent: object, perm: str) -> bool:
    """``{% if user|can:"settings.manage" %}``: templates ask the one permission check."""
    return isinstance(agent, Agent) and permissions.can(agent, perm)


_STATUS = dict(Status.choices)
_PRIORITY = dict(Priority.choices)


@register.filter
def status_label(code: str) -> str:
    """Like get_status_display, without rebuilding the choices for every row."""
    return str(_STATUS.get(code, code))


@register.filter
def priority_label(code: str) -> str:
    return str(_PRIORITY.get(code, code))
