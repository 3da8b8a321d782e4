"""Channel kind → connector class. Each connector package registers itself here."""

from __future__ import annotations

from helpwire.connectors.base import Connector
from helpwire.connectors.models import Channel

_connectors: dict[str, type[Connector]] = {}


def register(cls: type[Connector]) -> type[Connector]:
    _connectors[cls.kind] = cls
    return cls


def has_connector(kind: str) -> bool:
    return kind in _connectors


def connector_for(channel: Channel) -> Connector:
    try:
        cls = _connectors[channel.kind]
    except KeyError:
        raise LookupError(f"no connector for channel kind {channel.kind!r}") from None
    return cls(channel.config)


def thread_keys(channel: Channel, *, delivery_key: str) -> list[str]:
    return connector_for(channel).thread_keys(delivery_key=delivery_key) if has_connector(
        channel.kind) else []
