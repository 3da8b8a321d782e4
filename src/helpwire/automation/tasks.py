"""Side effects of rules that leave Helpwire outside a ticket's conversation: an email to
any address. Queued after commit, never sent inside the transaction that decided it."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django_tasks import task

from helpwire.mail.loops import AUTO_HEADERS

logger = logging.getLogger("helpwire.rules")


@task()
def send_rule_email(*, to: list[str], subject: str, body: str) -> None:
    """Each address gets its own copy (no list of strangers' addresses); marked automatic,
    so another helpdesk does not answer it."""
    for address in to:
        EmailMessage(subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL,
                     to=[address], headers=dict(AUTO_HEADERS)).send()
    logger.info("rule email %r sent to %s address(es)", subject, len(to))
