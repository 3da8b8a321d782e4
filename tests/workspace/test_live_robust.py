"""The live socket survives garbage, never leaves a poll loop behind, refuses floods and
closes when its agent is disabled or logs out [#9 item 3]."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.testing.websocket import WebsocketCommunicator
from django.contrib.sessions.backends.db import SessionStore

from helpwire.accounts.actions import disable_agent
from helpwire.workspace import live

pytestmark = pytest.mark.django_db(transaction=True)


def _socket(agent, session_key: str | None = None) -> WebsocketCommunicator:
    comm = WebsocketCommunicator(live.LiveConsumer.as_asgi(), "/ws/live/")
    comm.scope["user"] = agent
    comm.scope["session"] = SimpleNamespace(session_key=session_key)
    return comm


def test_it_ignores_garbage_frames_and_stops_polling_when_closed(monkeypatch, contractor):
    monkeypatch.setattr(live, "POLL_SECONDS", 0.05)

    async def scenario() -> None:
        comm = _socket(contractor)
        assert (await comm.connect())[0]
        assert len(live._pollers) == 1
        for frame in ("x", "[1,2]", '"str"', "null", '{"type": "viewing", "ticket": "1"}',
                      '{"type": "viewing", "ticket": 1e309}', "{" * 5000):
            await comm.send_to(text_data=frame)
        await comm.send_to(bytes_data=b"\x00\xff")
        assert await comm.receive_nothing(timeout=0.3)  # still open, said nothing
        await comm.disconnect()

    async_to_sync(scenario)()
    assert live._pollers == set()
    assert sum(live._open_agents.values()) == 0


def test_it_refuses_a_flood_of_sockets_from_one_session(monkeypatch, agent):
    monkeypatch.setattr(live, "MAX_PER_SESSION", 3)

    async def scenario() -> None:
        open_ = [_socket(agent, "s1") for _ in range(3)]
        for comm in open_:
            assert (await comm.connect())[0]
        extra = _socket(agent, "s1")
        connected, code = await extra.connect()
        assert not connected and code == 4429
        other_tab = _socket(agent, "s2")
        assert (await other_tab.connect())[0]
        for comm in [*open_, other_tab]:
            await comm.disconnect()

    async_to_sync(scenario)()
    assert live._pollers == set()


def test_it_closes_the_socket_of_a_disabled_agent(monkeypatch, agent):
    monkeypatch.setattr(live, "POLL_SECONDS", 0.02)
    monkeypatch.setattr(live, "CHECK_EVERY", 2)

    async def scenario() -> None:
        comm = _socket(agent)
        assert (await comm.connect())[0]
        await database_sync_to_async(disable_agent)(agent=agent)
        closed = await comm.receive_output(timeout=2)
        assert closed == {"type": "websocket.close", "code": 4401}

    async_to_sync(scenario)()
    assert live._pollers == set()


def test_it_closes_the_socket_of_an_agent_who_logged_out(monkeypatch, agent):
    monkeypatch.setattr(live, "POLL_SECONDS", 0.02)
    monkeypatch.setattr(live, "CHECK_EVERY", 2)
    store = SessionStore()
    store["x"] = 1
    store.save()

    async def scenario() -> None:
        comm = _socket(agent, store.session_key)
        assert (await comm.connect())[0]
        await database_sync_to_async(store.delete)()  # what logging out does
        closed = await comm.receive_output(timeout=2)
        assert closed == {"type": "websocket.close", "code": 4401}

    async_to_sync(scenario)()
