"""Live workspace [TK11, TM3] over a websocket.

Events: each connection tails the durable event log (``core.Event``) about once a second
with an ``EventCursor`` — which also catches events whose transaction committed after a
later one — and forwards what its agent may see. Tailing the log rather than publishing
into the channel layer works the same with one process on SQLite and many behind a load
balancer, needs no Redis, and cannot deliver twice.

Presence ("Anna is viewing", "Anna is typing") goes consumer to consumer through the channel
layer: in memory when embedded, Redis when ``REDIS_URL`` is set.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections import Counter
from importlib import import_module
from typing import Any
from urllib.parse import urlsplit

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from helpwire.accounts.models import Agent, Notification
from helpwire.core.feed import EventCursor
from helpwire.tickets.access import visible_tickets

POLL_SECONDS = 1.0
FORWARDED = {"ticket.created", "ticket.changed", "message.received", "message.added",
             "message.sent", "message.failed", "ticket.merged", "ticket.reminder_fired"}


def _tail(agent: Agent, cursor: EventCursor, after_note: int) -> dict[str, Any]:
    rows = [r for r in cursor.read(fields=("kind", "ticket_id", "actor_name", "actor_agent"))
            if r["kind"] in FORWARDED]
    ticket_ids = {r["ticket_id"] for r in rows if r["ticket_id"]}
    visible = set(visible_tickets(agent).filter(pk__in=ticket_ids).values_list("pk", flat=True))
    notes = list(Notification.objects.filter(agent=agent, pk__gt=after_note).order_by("pk")
                 .values("pk", "kind", "text", "ticket_id")[:20])
    return {
        "events": [{"id": r["pk"], "kind": r["kind"], "ticket": r["ticket_id"],
                    "by": r["actor_name"], "mine": r["actor_agent"] == agent.pk}
                   for r in rows if r["ticket_id"] in visible],
        "notifications": notes,
        "last_note": notes[-1]["pk"] if notes else after_note,
    }


def _start(agent: Agent) -> tuple[EventCursor, int]:
    last_note = (Notification.objects.filter(agent=agent).order_by("-pk")
                 .values_list("pk", flat=True).first() or 0)
    return EventCursor.at_end(), last_note


# Open sockets in this process, per agent and per session: a page opens one, a few tabs a
# few; a flood of them is refused (4429) instead of each polling the database.
MAX_PER_SESSION = 10
MAX_PER_AGENT = 30
CHECK_EVERY = 5  # polls between checks that the agent is still active and logged in
_open_agents: Counter[int] = Counter()
_open_sessions: Counter[str] = Counter()
_pollers: set[asyncio.Task[None]] = set()  # every running poll loop, for tests and shutdown


def _still_allowed(agent_id: int, session_key: str | None) -> bool:
    """Disabled or logged out since the socket opened: it must close."""
    if not Agent.objects.filter(pk=agent_id, is_active=True).exists():
        return False
    store = import_module(settings.SESSION_ENGINE).SessionStore
    return session_key is None or store().exists(session_key)


class LiveConsumer(AsyncWebsocketConsumer):
    agent: Agent
    watching: int | None = None
    session_key: str | None = None
    counted = False
    poller: asyncio.Task[None] | None = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        # Whatever ends the consumer — a disconnect, a crash, a cancelled task — its poll
        # loop and its place in the socket count end with it.
        try:
            await super().__call__(scope, receive, send)
        finally:
            self._stop()

    def _stop(self) -> None:
        if self.poller is not None:
            self.poller.cancel()
            _pollers.discard(self.poller)
            self.poller = None
        if self.counted:
            self.counted = False
            _open_agents[self.agent.pk] -= 1
            if self.session_key:
                _open_sessions[self.session_key] -= 1

    async def connect(self) -> None:
        user = self.scope.get("user")
        if not isinstance(user, Agent) or not user.is_active:
            await self.close(code=4401)
            return
        self.agent = user
        session = self.scope.get("session")
        self.session_key = getattr(session, "session_key", None)
        if (_open_agents[user.pk] >= MAX_PER_AGENT
                or (self.session_key and _open_sessions[self.session_key] >= MAX_PER_SESSION)):
            await self.close(code=4429)
            return
        _open_agents[user.pk] += 1
        if self.session_key:
            _open_sessions[self.session_key] += 1
        self.counted = True
        self.cursor, self.last_note = await database_sync_to_async(_start)(user)
        await self.accept()
        self.poller = asyncio.create_task(self._poll())
        _pollers.add(self.poller)

    async def disconnect(self, code: int) -> None:
        self._stop()
        await self._leave()

    async def _poll(self) -> None:
        with contextlib.suppress(asyncio.CancelledError):
            polls = 0
            while True:
                await asyncio.sleep(POLL_SECONDS)
                polls += 1
                if polls % CHECK_EVERY == 0 and not await database_sync_to_async(
                        _still_allowed)(self.agent.pk, self.session_key):
                    await self.close(code=4401)
                    return
                got = await database_sync_to_async(_tail)(self.agent, self.cursor,
                                                          self.last_note)
                self.last_note = got["last_note"]
                if got["events"]:
                    await self._send({"type": "events", "events": got["events"]})
                for note in got["notifications"]:
                    await self._send({"type": "notification", **note})

    async def _send(self, content: dict[str, Any]) -> None:
        await self.send(text_data=json.dumps(content))

    async def _leave(self) -> None:
        if self.watching is not None and self.channel_layer is not None:
            await self.channel_layer.group_send(
                f"ticket-{self.watching}",
                {"type": "presence", "agent": self.agent.pk, "name": self.agent.name,
                 "state": "left"})
            await self.channel_layer.group_discard(f"ticket-{self.watching}",
                                                   self.channel_name)
            self.watching = None

    async def receive(self, text_data: str | None = None,
                      bytes_data: bytes | None = None) -> None:
        """Only ``{"type": "viewing"|"typing"|"left", "ticket": <id>}`` means anything;
        every other frame — not JSON, not an object, bytes, too long — is ignored."""
        if text_data is None or len(text_data) > 1000:
            return
        try:
            content = json.loads(text_data)
        except ValueError:
            return
        if not isinstance(content, dict):
            return
        kind = content.get("type")
        ticket = content.get("ticket")
        if (kind not in ("viewing", "typing", "left") or not isinstance(ticket, int)
                or isinstance(ticket, bool) or not 0 < ticket < 2 ** 63):
            return
        allowed = await database_sync_to_async(
            lambda: visible_tickets(self.agent).filter(pk=ticket).exists())()
        if not allowed or self.channel_layer is None:
            return
        if self.watching != ticket:
            await self._leave()
            self.watching = ticket
            await self.channel_layer.group_add(f"ticket-{ticket}", self.channel_name)
        await self.channel_layer.group_send(
            f"ticket-{ticket}",
            {"type": "presence", "agent": self.agent.pk, "name": self.agent.name,
             "state": kind})

    async def presence(self, message: dict[str, Any]) -> None:
        if message["agent"] != self.agent.pk:
            await self._send(message)


class SameOrigin:
    """Refuse websocket handshakes whose Origin is not the host they were sent to, so a
    page on another site can never ride an agent's session (cross-site socket hijacking),
    whatever ALLOWED_HOSTS says."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        headers = dict(scope.get("headers") or [])
        origin = headers.get(b"origin", b"").decode("latin-1")
        host = headers.get(b"host", b"").decode("latin-1")
        if not origin or urlsplit(origin).netloc != host:
            await send({"type": "websocket.close", "code": 4403})
            return None
        return await self.app(scope, receive, send)

