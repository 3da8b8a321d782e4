"""The one renderer for text that leaves Helpwire on an agent's or a rule's behalf: replies,
auto-replies, notifications, HTTP request bodies [TK7].

Only the listed variables exist; anything else in braces is left as typed, so a template
can never reach into objects the way a full template language would. A listed variable with
no value renders empty, and ``missing`` names those for the editor's preview. Inside a JSON
body values are JSON-escaped (``render(..., escape=json_string)``)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import formats, timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from helpwire.calendars import schedule, selectors
from helpwire.clients.models import Identity, IdentityKind

if TYPE_CHECKING:
    from helpwire.accounts.models import Agent
    from helpwire.tickets.models import Message, Ticket

_VARIABLE = re.compile(r"\{\{\s*([a-z_]+(?:\.[a-z_]+)?)\s*\}\}")
# Every variable a template may use, with what it stands for (the settings screen lists these).
VARIABLES: list[tuple[str, str | Promise]] = [
    ("client.name", _("the client's name")),
    ("client.first_name", _("the client's first name")),
    ("client.email", _("the client's email")),
    ("client.phone", _("the client's phone")),
    ("ticket.number", _("the ticket number")),
    ("ticket.subject", _("the ticket subject")),
    ("ticket.url", _("the ticket's address in Helpwire")),
    ("ticket.status", _("the ticket's status")),
    ("ticket.priority", _("the ticket's priority")),
    ("ticket.group", _("the ticket's group")),
    ("ticket.assignee", _("the ticket's assignee")),
    ("agent.name", _("the name of the agent who replies")),
    ("message.text", _("the text of the message that set the rule off")),
    ("changes", _("what changed, one line each")),
    ("answer_by", _("when we promise to answer, by the group's working hours")),
    ("sla.metric", _("the SLA target a warning or breach is about")),
    ("sla.due_at", _("that target's deadline")),
    ("sla.remaining", _("the working time left (negative: over)")),
    ("rating.grade", _("the client's rating: good, normal or bad")),
    ("rating.comment", _("the client's comment on the rating")),
    ("rating.agent", _("the rated agent")),
]
NAMES = {name for name, _label in VARIABLES}
# How long an answer is promised within, in working time, until an SLA policy says otherwise.
DEFAULT_ANSWER_WITHIN = timedelta(hours=4)


def answer_by(*, ticket: Ticket, now: datetime | None = None,
              within: timedelta = DEFAULT_ANSWER_WITHIN) -> str:
    """The promised answer time, counted in the ticket group's working hours and shown in
    that calendar's time zone: "3 Dec 11:00" on a Friday evening, an hour ahead at noon."""
    group = ticket.group
    spec = selectors.spec_for(calendar_id=group.calendar_id if group is not None else None)
    try:
        due = schedule.add_working(spec, now or timezone.now(), within.total_seconds())
    except schedule.NoWorkingTime:
        return ""
    local = due.astimezone(ZoneInfo(spec.time_zone))
    return formats.date_format(local, "j E H:i")


def _first_name(name: str) -> str:
    return name.split()[0] if name.strip() else ""


def variables(*, ticket: Ticket, agent: Agent | None, message: Message | None = None,
              changes: dict[str, Any] | None = None, now: datetime | None = None,
              answer_within: timedelta = DEFAULT_ANSWER_WITHIN,
              extra: dict[str, str] | None = None) -> dict[str, str]:
    client = ticket.client
    contacts: dict[str, str] = {}
    for kind, value in (Identity.objects.filter(client=client, kind__in=[
            IdentityKind.EMAIL, IdentityKind.PHONE]).order_by("pk").values_list("kind", "value")):
        contacts.setdefault(kind, value)
    lazy: dict[str, Callable[[], str]] = {"answer_by": lambda: answer_by(
        ticket=ticket, now=now, within=answer_within)}
    values = {
        "client.name": client.name or "",
        "client.first_name": _first_name(client.name or ""),
        "client.email": contacts.get(IdentityKind.EMAIL, ""),
        "client.phone": contacts.get(IdentityKind.PHONE, ""),
        "ticket.number": str(ticket.number),
        "ticket.subject": ticket.subject,
        "ticket.url": f"{settings.HELPWIRE_BASE_URL.rstrip('/')}/t/{ticket.number}/",
        "ticket.status": str(ticket.get_status_display()),
        "ticket.priority": str(ticket.get_priority_display()),
        "ticket.group": ticket.group.name if ticket.group_id and ticket.group else "",
        "ticket.assignee": ticket.assignee.name if ticket.assignee_id and ticket.assignee else "",
        "agent.name": agent.name if agent else "",
        "message.text": message.body_text if message is not None else "",
        "changes": "\n".join(f"{k}: {_pair(v)}" for k, v in (changes or {}).items()),
        **(extra or {}),
    }
    return _Values(values, lazy)


class _Values(dict[str, str]):
    """The values, with the costly ones (the promised answer time) computed when used."""

    def __init__(self, values: dict[str, str], lazy: dict[str, Callable[[], str]]) -> None:
        super().__init__(values)
        self._lazy = lazy

    def __missing__(self, key: str) -> str:
        if key in self._lazy:
            self[key] = self._lazy[key]()
            return self[key]
        raise KeyError(key)

    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        try:
            return self[key]
        except KeyError:
            return default


def _pair(value: Any) -> str:
    if isinstance(value, list | tuple) and len(value) == 2:
        return f"{value[0]} → {value[1]}"
    return str(value)


def json_string(value: str) -> str:
    """A value placed inside a JSON string literal: quotes, backslashes and newlines escaped."""
    return json.dumps(value, ensure_ascii=False)[1:-1]


def render(text: str, values: dict[str, str], *,
           escape: Callable[[str], str] | None = None) -> str:
    def fill(m: re.Match[str]) -> str:
        found = values.get(m.group(1))
        if found is None:
            return m.group(0)
        return escape(found) if escape else found

    return _VARIABLE.sub(fill, text)


def used(text: str) -> list[str]:
    return list(dict.fromkeys(m.group(1) for m in _VARIABLE.finditer(text)))


def missing(text: str, values: dict[str, str]) -> list[str]:
    """Variables the text uses that render empty for these values (the preview says so)."""
    return [name for name in used(text) if name in NAMES and not values.get(name)]


def unknown(text: str) -> list[str]:
    """Names in braces that are not variables (left as typed when rendered)."""
    return [name for name in used(text) if name not in NAMES]

