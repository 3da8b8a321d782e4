"""The live socket's feed on PostgreSQL: every event its agent may see arrives once, even
when transactions commit in another order than their ids [TK11]."""

from __future__ import annotations

import asyncio
import threading

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.testing.websocket import WebsocketCommunicator
from django.db import transaction

from helpwire.core import events
from helpwire.core.actors import Actor
from helpwire.workspace import live
from tests.race import postgres_only

pytestmark = pytest.mark.django_db(transaction=True)


async def _next_events(comm: WebsocketCommunicator, timeout: float = 5.0) -> list[dict]:
    while True:
        message = await comm.receive_json_from(timeout=timeout)
        if message.get("type") == "events":
            return message["events"]


def _connect(agent) -> WebsocketCommunicator:
    comm = WebsocketCommunicator(live.LiveConsumer.as_asgi(), "/ws/live/")
    comm.scope["user"] = agent
    return comm


@postgres_only
def test_it_delivers_an_event_whose_transaction_commits_after_a_later_one(
        monkeypatch, ticket, admin):
    monkeypatch.setattr(live, "POLL_SECONDS", 0.05)
    emitted, release = threading.Event(), threading.Event()
    slow_ids: list[int] = []

    def slow_transaction() -> None:
        try:
            with transaction.atomic():
                slow_ids.append(events.emit("ticket.changed", actor=Actor.system("slow"),
                                            ticket_id=ticket.pk, changes={}).pk)
                emitted.set()
                release.wait(10)
        finally:
            from django.db import connection
            connection.close()

    async def scenario() -> None:
        comm = _connect(admin)
        connected, _ = await comm.connect()
        assert connected
        slow = threading.Thread(target=slow_transaction)
        slow.start()
        await asyncio.get_running_loop().run_in_executor(None, emitted.wait, 10)
        fast = await database_sync_to_async(
            lambda: events.emit("ticket.changed", actor=Actor.system("fast"),
                                ticket_id=ticket.pk, changes={}).pk)()
        assert slow_ids[0] < fast
        got = await _next_events(comm)
        assert [e["id"] for e in got] == [fast]
        release.set()
        await asyncio.get_running_loop().run_in_executor(None, slow.join, 10)
        got = await _next_events(comm)
        assert [e["id"] for e in got] == slow_ids
        await comm.disconnect()

    async_to_sync(scenario)()


def test_it_sends_each_visible_event_once_and_hides_other_groups(
        monkeypatch, ticket, agent, other_agent):
    monkeypatch.setattr(live, "POLL_SECONDS", 0.05)

    async def scenario() -> None:
        mine, theirs = _connect(agent), _connect(other_agent)
        assert (await mine.connect())[0] and (await theirs.connect())[0]
        first = await database_sync_to_async(
            lambda: events.emit("message.received", actor=Actor.system(),
                                ticket_id=ticket.pk).pk)()
        got = await _next_events(mine)
        assert [e["id"] for e in got] == [first]
        second = await database_sync_to_async(
            lambda: events.emit("message.received", actor=Actor.system(),
                                ticket_id=ticket.pk).pk)()
        got = await _next_events(mine)
        assert [e["id"] for e in got] == [second]  # the first is not sent again
        # The other agent's groups do not include the ticket: nothing reaches him.
        assert await theirs.receive_nothing(timeout=0.5)
        await mine.disconnect()
        await theirs.disconnect()

    async_to_sync(scenario)()
