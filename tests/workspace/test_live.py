"""The live websocket refuses handshakes from other sites."""

from __future__ import annotations

from typing import Any

from asgiref.sync import async_to_sync

from helpwire.workspace.live import SameOrigin


def _handshake(origin: bytes, host: bytes) -> tuple[bool, list[dict[str, Any]]]:
    reached: list[bool] = []
    sent: list[dict[str, Any]] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        reached.append(True)

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "websocket", "headers": [(b"origin", origin), (b"host", host)]}
    async_to_sync(SameOrigin(app))(scope, None, send)
    return bool(reached), sent


def test_it_refuses_a_socket_opened_from_another_site():
    reached, sent = _handshake(b"https://evil.example", b"helpdesk.example")
    assert not reached
    assert sent == [{"type": "websocket.close", "code": 4403}]


def test_it_accepts_a_socket_from_its_own_site():
    reached, _sent = _handshake(b"https://helpdesk.example", b"helpdesk.example")
    assert reached
