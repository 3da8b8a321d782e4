"""Delivery of outbound messages through their channel's connector, with retries."""

from __future__ import annotations

import logging
import random
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from helpwire.clients.models import Identity
from helpwire.connectors.base import OutboundMessage, PermanentFailure, TemporaryFailure
from helpwire.connectors.registry import connector_for
from helpwire.core import events
from helpwire.core.actors import Actor
from helpwire.tickets.models import DeliveryState, Message

logger = logging.getLogger("helpwire.delivery")


def _outbound(message: Message) -> OutboundMessage:
    ticket = message.ticket
    recipients: dict[str, str] = {}
    for identity in Identity.objects.filter(client_id=ticket.client_id).order_by("created_at"):
        recipients.setdefault(identity.kind, identity.value)
    return OutboundMessage(
        message_id=message.pk, ticket_id=ticket.pk, ticket_number=ticket.number,
        channel_id=message.channel_id, subject=ticket.subject, text=message.body_text,
        html=message.body_html, recipients=recipients,
        attachments=[(a.filename, a.content_type, a.file.path)
                     for a in message.attachments.all() if a.file],
    )


def backoff(attempt: int, retry_after: float | None = None) -> timedelta:
    """Exponential with jitter: 30 s, 1 min, 2 min… or what the far side asked for."""
    base = settings.HELPWIRE_DELIVERY_BACKOFF_SECONDS * (2 ** (attempt - 1))
    seconds = max(retry_after or 0, base * random.uniform(0.8, 1.2))
    return timedelta(seconds=min(seconds, 6 * 3600))


@task()
def deliver_message(message_id: int) -> str:
    message = Message.objects.select_related("ticket", "channel").get(pk=message_id)
    if message.delivery_state != DeliveryState.QUEUED:
        return message.delivery_state
    attempt = message.delivery_attempts + 1
    # Claim this attempt so a stray duplicate task cannot send the same message twice.
    if not Message.objects.filter(pk=message.pk, delivery_attempts=attempt - 1,
                                  delivery_state=DeliveryState.QUEUED).update(
            delivery_attempts=attempt):
        return "skipped"
    try:
        delivery = connector_for(message.channel).send(_outbound(message))
    except PermanentFailure as exc:
        return _failed(message, str(exc))
    except Exception as exc:  # a timeout, a 5xx, a bug in a connector: worth retrying
        retry_after = exc.retry_after if isinstance(exc, TemporaryFailure) else None
        if attempt >= settings.HELPWIRE_DELIVERY_MAX_ATTEMPTS:
            return _failed(message, str(exc) or exc.__class__.__name__)
        Message.objects.filter(pk=message.pk).update(delivery_error=str(exc)[:2000])
        logger.warning("delivery of message %s failed (attempt %s): %s", message.pk, attempt,
                       exc)
        deliver_message.using(run_after=timezone.now() + backoff(attempt, retry_after)).enqueue(
            message.pk)
        return "retry"
    with transaction.atomic():
        Message.objects.filter(pk=message.pk).update(
            delivery_state=DeliveryState.SENT, delivery_error="",
            external_id=delivery.external_id or None,
            sent_at=delivery.sent_at or timezone.now(),
        )
        events.emit(events.MESSAGE_SENT, actor=Actor.system("delivery"),
                    ticket_id=message.ticket_id, message_id=message.pk)
    return DeliveryState.SENT


def _failed(message: Message, error: str) -> str:
    with transaction.atomic():
        Message.objects.filter(pk=message.pk).update(delivery_state=DeliveryState.FAILED,
                                                     delivery_error=error[:2000])
        events.emit("message.failed", actor=Actor.system("delivery"),
                    ticket_id=message.ticket_id, message_id=message.pk, error=error[:500])
    return DeliveryState.FAILED
