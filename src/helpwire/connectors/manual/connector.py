"""The manual channel: an agent records a phone call or a walk-in visit as a ticket.

There is no wire to send a reply over; a reply here is the agent's record of what he told
the client, so it counts as delivered.
"""

from __future__ import annotations

from django.utils import timezone

from helpwire.connectors.base import Connector, Delivery, OutboundMessage
from helpwire.connectors.models import ChannelKind
from helpwire.connectors.registry import register


@register
class ManualConnector(Connector):
    kind = ChannelKind.MANUAL

    def send(self, message: OutboundMessage) -> Delivery:
        return Delivery(external_id="", sent_at=timezone.now())
