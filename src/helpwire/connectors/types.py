"""The connectors' contract with the rest of Helpwire: the plain shapes a connector hands to
``conversations.ingest`` — no ORM objects, easy to build in tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Sender:
    name: str = ""
    email: str = ""
    phone: str = ""
    # Messenger and other ids: {"telegram": "123456", "vk": "id42"}
    handles: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class InboundAttachment:
    filename: str
    content: bytes
    content_type: str = "application/octet-stream"
    content_id: str = ""  # an email's inline image, referred to as cid:… in the HTML


@dataclass(frozen=True)
class InboundMessage:
    channel_id: int
    sender: Sender
    text: str = ""
    html: str = ""
    subject: str = ""
    # Unique per channel; the same id twice is one message (idempotent intake).
    external_id: str | None = None
    # Messages with the same key on a channel belong to one conversation (ticket).
    thread_key: str | None = None
    # Further keys that lead to the same conversation (email References, say).
    related_keys: tuple[str, ...] = ()
    received_at: datetime | None = None
    attachments: tuple[InboundAttachment, ...] = ()
    # What the connector knows beyond the above (headers, raw ids), stored on the message.
    meta: dict[str, object] = field(default_factory=dict)
    # Extra ticket data from a trusted source (the API): tags, priority, fields…
    ticket_defaults: dict[str, object] = field(default_factory=dict)
    # The card, when an agent records the message for a client he picked (honoured only
    # with ``recorded_by``; connectors identify by the sender's contacts).
    client_id: int | None = None
