"""The one path in (``ingest``) and the one path out (``reply``) for every channel.

The functions live in ``intake`` and ``outbound``; these wrappers import them lazily so the
package can be named in INSTALLED_APPS before the models are loaded.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from helpwire.connectors.types import InboundMessage
    from helpwire.conversations.intake import IngestResult
    from helpwire.tickets.models import Message


def ingest(inbound: InboundMessage, **kwargs: Any) -> IngestResult:
    from helpwire.conversations.intake import ingest as _ingest

    return _ingest(inbound, **kwargs)


def reply(**kwargs: Any) -> Message:
    from helpwire.conversations.outbound import reply as _reply

    return _reply(**kwargs)
