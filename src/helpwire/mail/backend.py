"""Django's email backend for Helpwire's own mail (agent notifications, mentions, password
reset): through the system mailbox's SMTP when one is chosen, else the configured
fallback (``HELPWIRE_EMAIL_BACKEND``: console by default, or Django's SMTP backend)."""

from __future__ import annotations

from collections.abc import Sequence
from email.utils import formataddr
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.base import BaseEmailBackend

from helpwire.mail.connector import open_smtp
from helpwire.mail.models import Mailbox


class SystemMailboxBackend(BaseEmailBackend):
    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        if not email_messages:
            return 0
        box = (Mailbox.objects.select_related("channel").filter(is_system=True)
               .exclude(smtp_host="").first())
        if box is None:
            fallback: Any = get_connection(settings.HELPWIRE_FALLBACK_EMAIL_BACKEND,
                                           fail_silently=self.fail_silently)
            return int(fallback.send_messages(email_messages) or 0)
        sent = 0
        smtp = open_smtp(box)
        try:
            for message in email_messages:
                message.from_email = formataddr((str(box.channel.name), box.address))
                # SMTP lines end in CRLF; smtplib leaves bytes as they are, and a strict
                # server reads a bare-LF message as one line over its 1,000-octet limit.
                # (Django's SafeMIME takes linesep; the stubs type it as email.Message.)
                smtp.sendmail(box.address, message.recipients(),
                              message.message().as_bytes(linesep="\r\n"))  # type: ignore[call-arg]
                sent += 1
        except Exception:
            if not self.fail_silently:
                raise
        finally:
            smtp.quit()
        return sent
