"""The one renderer for text that goes out on an agent's or a rule's behalf.

Only the listed variables exist; anything else in braces is left as typed, so a template
can never reach into objects the way a full template language would."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from helpwire.accounts.models import Agent
    from helpwire.tickets.models import Ticket

_VARIABLE = re.compile(r"\{\{\s*([a-z_]+\.[a-z_]+)\s*\}\}")
# Every variable a template may use, with what it stands for (the settings screen lists these).
VARIABLES: list[tuple[str, str | Promise]] = [
    ("client.name", _("the client's name")),
    ("ticket.number", _("the ticket number")),
    ("ticket.subject", _("the ticket subject")),
    ("agent.name", _("the name of the agent who replies")),
]


def variables(*, ticket: Ticket, agent: Agent | None) -> dict[str, str]:
    client = ticket.client
    return {
        "client.name": client.name or "",
        "ticket.number": str(ticket.number),
        "ticket.subject": ticket.subject,
        "agent.name": agent.name if agent else "",
    }


def render(text: str, values: dict[str, str]) -> str:
    return _VARIABLE.sub(lambda m: values.get(m.group(1), m.group(0)), text)
