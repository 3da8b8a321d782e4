"""The API channel: tickets created by other systems through the REST API.

Replies are stored and read back through the API (webhooks to push them come later), so
delivery succeeds at once.
"""

from __future__ import annotations

from django.utils import timezone

from helpwire.connectors.base import Connector, Delivery, OutboundMessage
from helpwire.connectors.models import ChannelKind
from helpwire.connectors.registry import register


@register
class ApiConnector(Connector):
    kind = ChannelKind.API

    def send(self, message: OutboundMessage) -> Delivery:
        return Delivery(external_id=f"api-{message.message_id}", sent_at=timezone.now())
