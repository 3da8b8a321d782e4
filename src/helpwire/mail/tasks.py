"""Background work for mail: mailboxes are polled when due (``next_poll_at``, swept by
the scheduler, each claimed by one sweep), each in its own task."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django_tasks import task

from helpwire.core import periodic
from helpwire.mail import imap
from helpwire.mail.models import Mailbox


@task()
def poll_mailbox(mailbox_id: int) -> str:
    result = imap.poll_and_record(mailbox_id)
    return result.error or f"{result.taken} taken of {result.fetched}"


@periodic.every(10, name="mail.poll_due")
def poll_due(*, now: datetime | None = None, limit: int = 100) -> int:
    """Hand out the mailboxes whose next check is due; the next check is booked at once,
    so a second scheduler (or the next sweep) does not take the same mailbox."""
    now = now or timezone.now()
    with transaction.atomic():
        boxes = list(Mailbox.objects.select_for_update(skip_locked=True)
                     .filter(channel__is_active=True).exclude(imap_host="")
                     .filter(Q(next_poll_at__isnull=True) | Q(next_poll_at__lte=now))
                     .order_by(F("next_poll_at").asc(nulls_first=True))[:limit])
        for box in boxes:
            box.next_poll_at = now + timedelta(seconds=max(box.poll_seconds, 10))
            box.save(update_fields=["next_poll_at"])
        ids = [b.pk for b in boxes]
        if ids:
            transaction.on_commit(lambda: [poll_mailbox.enqueue(pk) for pk in ids])
    return len(ids)
