"""Delivery of outbound messages through their channel's connector: at least once, never
stuck.

- A worker *claims* an attempt (``SKIP LOCKED``, then ``lease_until``) before calling the
  connector, so two workers never send one message at the same time.
- A worker that dies mid-send leaves its lease behind; once it expires, ``sweep_deliveries``
  (a scheduler job) hands the message out again. The same happens to a message whose task
  was lost between commit and enqueue.
- The ``delivery_key`` (an email's Message-ID, a provider's idempotency key) is fixed when
  the reply is stored, so the only possible duplicate — a crash after the far side accepted
  and before we committed "sent" — carries the same key and can be dropped there.
"""

from __future__ import annotations

import logging
import random
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from helpwire.accounts.models import Notification
from helpwire.accounts.notify import notify
from helpwire.clients.models import Identity
from helpwire.connectors.base import OutboundMessage, PermanentFailure, TemporaryFailure
from helpwire.connectors.registry import connector_for
from helpwire.core import events, periodic
from helpwire.core.actors import Actor
from helpwire.tickets.history import ChangeSet
from helpwire.tickets.locks import lock_ticket
from helpwire.tickets.models import DeliveryState, Message, MessageKind

logger = logging.getLogger("helpwire.delivery")
# How long an enqueued delivery may take to start before the sweep hands it out again.
GRACE = timedelta(minutes=2)


def _outbound(message: Message) -> OutboundMessage:
    ticket = message.ticket
    recipients: dict[str, str] = {}
    for identity in Identity.objects.filter(client_id=ticket.client_id).order_by("created_at"):
        recipients.setdefault(identity.kind, identity.value)
    # Email-shaped ids of the conversation, oldest first: In-Reply-To and References.
    ids = [i for i in Message.objects.filter(ticket=ticket, created_at__lte=message.created_at,
                                             external_id__startswith="<")
           .exclude(pk=message.pk).order_by("-created_at", "-id")
           .values_list("external_id", flat=True)[:20] if i][::-1]
    last_inbound = (Message.objects.filter(ticket=ticket, kind=MessageKind.INBOUND,
                                           external_id__startswith="<")
                    .order_by("-created_at", "-id").values_list("external_id", flat=True)
                    .first())
    meta = message.meta or {}
    return OutboundMessage(
        message_id=message.pk, ticket_id=ticket.pk, ticket_number=ticket.number,
        channel_id=message.channel_id, subject=ticket.subject,
        # A block a higher app attached to this reply (the rating links [RP1]): sent, not
        # part of the conversation the agents read.
        text=message.body_text + str(meta.get("footer_text", "")),
        html=message.body_html + str(meta.get("footer_html", "")), recipients=recipients,
        attachments=[(a.filename, a.content_type, a.file.path)
                     for a in message.attachments.all() if a.file],
        delivery_key=message.delivery_key, in_reply_to=last_inbound or "",
        references=tuple(ids), cc=tuple(meta.get("cc", ())), bcc=tuple(meta.get("bcc", ())),
        automatic=bool(meta.get("automatic")), author_id=message.actor_agent_id,
    )


def backoff(attempt: int, retry_after: float | None = None) -> timedelta:
    """Exponential with jitter: 30 s, 1 min, 2 min… or what the far side asked for."""
    base = settings.HELPWIRE_DELIVERY_BACKOFF_SECONDS * (2 ** (attempt - 1))
    seconds = max(retry_after or 0, base * random.uniform(0.8, 1.2))
    return timedelta(seconds=min(seconds, 6 * 3600))


def _claim(message_id: int, now: datetime) -> Message | None:
    lease = timedelta(seconds=settings.HELPWIRE_DELIVERY_LEASE_SECONDS)
    with transaction.atomic():
        message = (Message.objects.select_for_update(skip_locked=True, of=("self",))
                   .select_related("ticket", "channel", "actor_agent")
                   .filter(pk=message_id, delivery_state=DeliveryState.QUEUED)
                   .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now)).first())
        if message is None:
            return None
        message.delivery_attempts += 1
        message.lease_until = now + lease
        message.save(update_fields=["delivery_attempts", "lease_until"])
    return message


def _finish(message: Message, **changes: object) -> int:
    """Write the outcome only if our claim still stands (nobody took the message over)."""
    return Message.objects.filter(pk=message.pk, delivery_state=DeliveryState.QUEUED,
                                  lease_until=message.lease_until).update(lease_until=None,
                                                                          **changes)


@task()
def deliver_message(message_id: int) -> str:
    now = timezone.now()
    message = _claim(message_id, now)
    if message is None:
        state = Message.objects.filter(pk=message_id).values_list("delivery_state", flat=True)
        return "skipped" if state and state[0] == DeliveryState.QUEUED else (
            state[0] if state else "missing")
    attempt = message.delivery_attempts
    try:
        try:
            connector = connector_for(message.channel)
        except LookupError as exc:
            raise PermanentFailure(_("Channel %(channel)s cannot send messages (%(why)s).")
                                   % {"channel": message.channel.name, "why": exc}) from exc
        delivery = connector.send(_outbound(message))
    except PermanentFailure as exc:
        return _failed(message, str(exc))
    except Exception as exc:  # a timeout, a 5xx, a bug in a connector: worth retrying
        retry_after = exc.retry_after if isinstance(exc, TemporaryFailure) else None
        if attempt >= settings.HELPWIRE_DELIVERY_MAX_ATTEMPTS:
            return _failed(message, str(exc) or exc.__class__.__name__)
        when = timezone.now() + backoff(attempt, retry_after)
        _finish(message, delivery_error=str(exc)[:2000], next_attempt_at=when)
        logger.warning("delivery of message %s failed (attempt %s): %s", message.pk, attempt,
                       exc)
        deliver_message.using(run_after=when).enqueue(message.pk)
        return "retry"
    with transaction.atomic():
        _finish(message, delivery_state=DeliveryState.SENT, delivery_error="",
                next_attempt_at=None, external_id=delivery.external_id or None,
                sent_at=delivery.sent_at or timezone.now())
        events.emit(events.MESSAGE_SENT, actor=Actor.system("delivery"),
                    ticket_id=message.ticket_id, message_id=message.pk)
    return DeliveryState.SENT


def _failed(message: Message, error: str) -> str:
    """Give up, say why on the message, and tell the agent who wrote it."""
    with transaction.atomic():
        _finish(message, delivery_state=DeliveryState.FAILED, delivery_error=error[:2000],
                next_attempt_at=None)
        _tell_failed(message, error)
    return DeliveryState.FAILED


def _tell_failed(message: Message, error: str) -> None:
    events.emit(events.MESSAGE_FAILED, actor=Actor.system("delivery"),
                ticket_id=message.ticket_id, message_id=message.pk, error=error[:500])
    if message.actor_agent is not None and message.actor_agent.is_active:
        notify(agent=message.actor_agent, kind=Notification.Kind.DELIVERY_FAILED,
               ticket_id=message.ticket_id,
               text=lambda: _("Your reply on ticket #%(number)s was not delivered: "
                              "%(why)s") % {"number": message.ticket.number,
                                            "why": error[:300]})


def mark_bounced(*, message: Message, error: str) -> None:
    """The far side accepted a message, then sent it back (an email bounce): failed after
    all, with its answer — on the message, as a line in the ticket's history, and to the
    agent who wrote it."""
    with transaction.atomic():
        ticket = lock_ticket(message.ticket_id)
        Message.objects.filter(pk=message.pk).update(delivery_state=DeliveryState.FAILED,
                                                     delivery_error=error[:2000])
        cs = ChangeSet(ticket, Actor.system("delivery"), engages=False)
        cs.note("bounced", "", error[:300])  # the server's own words, in no language of ours
        cs.commit()
        _tell_failed(message, error)


@periodic.every(30, name="conversations.sweep_deliveries")
def sweep_deliveries(*, now: datetime | None = None, limit: int = 200) -> int:
    """Hand out again the queued messages whose attempt is overdue and not held by a live
    claim (a dead worker, a lost task). Each goes to exactly one of several sweeps."""
    now = now or timezone.now()
    with transaction.atomic():
        ids = list(Message.objects.select_for_update(skip_locked=True)
                   .filter(delivery_state=DeliveryState.QUEUED, next_attempt_at__lte=now - GRACE)
                   .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
                   .order_by("next_attempt_at").values_list("pk", flat=True)[:limit])
        if ids:
            Message.objects.filter(pk__in=ids).update(next_attempt_at=now)
            transaction.on_commit(lambda: [deliver_message.enqueue(pk) for pk in ids])
    return len(ids)
