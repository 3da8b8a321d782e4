"""What every connector is: a protocol at the edge that parses inbound payloads into
``InboundMessage`` and sends ``OutboundMessage``. It knows nothing of rules, SLA or the UI."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import ClassVar

from helpwire.connectors.types import InboundMessage


class TemporaryFailure(Exception):
    """Delivery may succeed later (timeout, 5xx, rate limit): retry with backoff."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PermanentFailure(Exception):
    """Delivery will never succeed (bad address, bot blocked): give up and say why."""


@dataclass(frozen=True)
class OutboundMessage:
    message_id: int
    ticket_id: int
    ticket_number: int
    channel_id: int
    subject: str
    text: str
    html: str
    recipients: Mapping[str, str]  # identity kind → value, e.g. {"email": "a@b.c"}
    attachments: list[tuple[str, str, str]] = field(default_factory=list)  # name, type, path
    in_reply_to: str = ""
    # The same on every attempt (an email's Message-ID, a provider's idempotency key):
    # delivery is at least once, and the receiver drops a repeat by this key.
    delivery_key: str = ""
    # Ids of earlier messages in the conversation that look like email Message-IDs, oldest
    # first (email References); carbon copies the agent added; an automatic message
    # (an acknowledgement: email marks it so no auto-responder answers it).
    references: tuple[str, ...] = ()
    cc: tuple[str, ...] = ()
    bcc: tuple[str, ...] = ()
    automatic: bool = False
    author_id: int | None = None


@dataclass(frozen=True)
class Delivery:
    external_id: str = ""
    sent_at: datetime | None = None


class Connector:
    kind: ClassVar[str]

    def __init__(self, config: Mapping[str, object]) -> None:
        self.config = config

    def parse(self, payload: bytes, headers: Mapping[str, str]) -> InboundMessage | None:
        raise NotImplementedError

    def send(self, message: OutboundMessage) -> Delivery:
        raise NotImplementedError

    def thread_keys(self, *, delivery_key: str) -> list[str]:
        """The conversation keys a reply will be known by on the far side (an email's
        Message-ID): the client's answer quoting one of them threads onto the ticket."""
        return []
