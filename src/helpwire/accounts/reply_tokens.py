"""Signed reply tokens: the only way mail can speak for an agent (CHECKLIST 6).

A notification mailed to an agent about a ticket carries, as its Message-ID, a token that
names the ticket and the agent and is signed with the secret key. His mail program quotes
it in In-Reply-To when he answers; mail from his address counts as his reply only when it
quotes a token issued to him for that ticket. From alone proves nothing (FreeScout
CVE-2026-47123: forged "agent" replies went out to customers).
"""

from __future__ import annotations

import hashlib
import hmac
import re

from django.conf import settings

_TOKEN = re.compile(r"^<hw-r\.(\d+)\.(\d+)\.([0-9a-f]{32})@[^<>\s]+>$")


def _signature(ticket_id: int, agent_id: int) -> str:
    key = hashlib.sha256(b"helpwire.reply-token:" + settings.SECRET_KEY.encode()).digest()
    return hmac.new(key, f"{ticket_id}.{agent_id}".encode(), hashlib.sha256).hexdigest()[:32]


def issue(*, ticket_id: int, agent_id: int, domain: str = "helpwire.invalid") -> str:
    return f"<hw-r.{ticket_id}.{agent_id}.{_signature(ticket_id, agent_id)}@{domain}>"


def verify(value: str) -> tuple[int, int] | None:
    """(ticket id, agent id) of a genuine token, else None."""
    found = _TOKEN.match(value.strip())
    if not found:
        return None
    ticket_id, agent_id = int(found.group(1)), int(found.group(2))
    if not hmac.compare_digest(found.group(3), _signature(ticket_id, agent_id)):
        return None
    return ticket_id, agent_id
