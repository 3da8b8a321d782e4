from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from django import template
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.dateparse import parse_datetime
from django.utils.formats import number_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy

from helpwire.accounts import permissions
from helpwire.accounts.models import Agent
from helpwire.connectors.models import BUILTIN_LABELS, BUILTIN_NAMES
from helpwire.conversations.sanitize import clean_html, hold_remote_images
from helpwire.core.actors import SYSTEM_NAMES, ActorKind
from helpwire.sla.clock import hours_minutes
from helpwire.tickets import tags as tag_tree
from helpwire.tickets.history import FIELD_LABELS
from helpwire.tickets.models import Priority, Status, TicketType

register = template.Library()


@register.filter
def clean(value: str) -> SafeString:
    """Stored bodies were sanitised on the way in; sanitise again on the way out, so a
    row written by an older version or by hand can never carry script to a browser."""
    return mark_safe(clean_html(value or ""))  # noqa: S308


@register.simple_tag
def message_body(html: str, files: Iterable[Any] = ()) -> dict[str, Any]:
    """A message body for the page: sanitised again, remote images held back until the
    agent asks for them, an email's inline ``cid:`` images pointed at their attachment
    (``{% message_body m.body_html m.attachments.all as body %}``)."""
    cleaned, held = hold_remote_images(clean_html(html or ""))
    if "cid:" in cleaned:
        inline = {f.content_id: reverse("workspace:attachment", args=[f.pk]) + "?preview=1"
                  for f in files if getattr(f, "content_id", "") and f.file}
        cleaned = _CID.sub(lambda m: f'src="{escape(inline[m.group(1)])}"'
                           if m.group(1) in inline else m.group(0), cleaned)
    return {"html": mark_safe(cleaned), "held": held}  # noqa: S308


_CID = re.compile(r'src="cid:([^"]+)"')


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


_CHOICES = {"status": dict(Status.choices), "priority": dict(Priority.choices),
            "type": dict(TicketType.choices)}


@register.filter
def actor_label(row: Any) -> str:
    """Who did it, for a history line or a message: the system's own actors and built-in
    channels in the reader's language."""
    name = getattr(row, "actor_name", "") or ""
    kind = getattr(row, "actor_kind", "")
    if kind == ActorKind.SYSTEM:
        if name in SYSTEM_NAMES:
            return str(SYSTEM_NAMES[name])
        for channel_kind, stored in BUILTIN_NAMES.items():
            if stored == name:
                return str(BUILTIN_LABELS[channel_kind])
        return name or str(SYSTEM_NAMES["system"])
    return name or str(gettext_lazy("System"))


@register.filter
def field_label(name: str, custom: dict[str, str] | None = None) -> str:
    if name.startswith("field:"):
        key = name[6:]
        return (custom or {}).get(key) or key
    return str(FIELD_LABELS.get(name, name))


@register.simple_tag
def change_value(change: Any, which: str) -> str:
    """One side of a history line, as people read it: labels for codes, local times,
    yes/no in their language."""
    value = getattr(change, which, "") or ""
    if not value:
        return "—"
    if change.field in _CHOICES:
        return str(_CHOICES[change.field].get(value, value))
    if value in ("yes", "no"):
        return str(gettext_lazy("yes") if value == "yes" else gettext_lazy("no"))
    if change.field == "remind_at":
        moment = parse_datetime(value)
        if moment is not None:
            return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT")
    return str(value)


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


@register.filter
def sla_time(seconds: object) -> str:
    """Working seconds as "1:05" (hours and minutes); the time over without its sign."""
    try:
        return hours_minutes(float(seconds), signed=False)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return ""
