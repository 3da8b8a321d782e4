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
from typing import Any
from urllib.parse import urlsplit

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

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


class LiveConsumer(AsyncJsonWebsocketConsumer):
    agent: Agent
    watching: int | None = None

    async def connect(self) -> None:
        user = self.scope.get("user")
        if not isinstance(user, Agent) or not user.is_active:
            await self.close(code=4401)
            return
        self.agent = user
        self.cursor, self.last_note = await database_sync_to_async(_start)(user)
        await self.accept()
        self.poller = asyncio.create_task(self._poll())

    async def disconnect(self, code: int) -> None:
        if hasattr(self, "poller"):
            self.poller.cancel()
        await self._leave()

    async def _poll(self) -> None:
        with contextlib.suppress(asyncio.CancelledError):
            while True:
                await asyncio.sleep(POLL_SECONDS)
                got = await database_sync_to_async(_tail)(self.agent, self.cursor,
                                                          self.last_note)
                self.last_note = got["last_note"]
                if got["events"]:
                    await self.send_json({"type": "events", "events": got["events"]})
                for note in got["notifications"]:
                    await self.send_json({"type": "notification", **note})

    async def _leave(self) -> None:
        if self.watching is not None and self.channel_layer is not None:
            await self.channel_layer.group_send(
                f"ticket-{self.watching}",
                {"type": "presence", "agent": self.agent.pk, "name": self.agent.name,
                 "state": "left"})
            await self.channel_layer.group_discard(f"ticket-{self.watching}",
                                                   self.channel_name)
            self.watching = None

    async def receive_json(self, content: dict[str, Any], **kwargs: Any) -> None:
        kind = content.get("type")
        ticket = content.get("ticket")
        if kind not in ("viewing", "typing", "left") or not isinstance(ticket, int):
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
            await self.send_json(message)


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

