"""Replies out through the mailbox's SMTP server [CH1].

Each reply carries our Message-ID (fixed when the reply was stored, so a retry is the same
mail), In-Reply-To and References to the conversation, the ``[#NUMBER]`` token, the
participants in CC, the signature, HTML with a text alternative, and its files. Automatic
messages carry the loop-protection headers (``loops.AUTO_HEADERS``).
"""

from __future__ import annotations

import contextlib
import mimetypes
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from helpwire.accounts.models import Agent
from helpwire.clients.models import Identity
from helpwire.connectors.base import (
    Connector,
    Delivery,
    OutboundMessage,
    PermanentFailure,
    TemporaryFailure,
)
from helpwire.connectors.models import Channel, ChannelKind
from helpwire.connectors.registry import register
from helpwire.conversations.rendering import render
from helpwire.conversations.sanitize import html_to_text
from helpwire.mail import crypto, loops, oauth
from helpwire.mail.models import AuthKind, Mailbox, Participant, Security
from helpwire.tickets.models import Message, MessageKind, Ticket


def message_id(*, delivery_key: str, domain: str) -> str:
    return f"<hw.{delivery_key}@{domain}>"


def subject_line(subject: str, number: int) -> str:
    token = f"[#{number}]"
    base = subject.strip() or "—"
    if token in base:
        return base if base.lower().startswith(("re:", "ответ:")) else f"Re: {base}"
    return f"Re: {base} {token}"


def _recipient(ticket: Ticket, fallback: str) -> str:
    """Where the client last wrote from, if that address is his; else his first address."""
    mine = set(Identity.objects.filter(client_id=ticket.client_id, kind="email")
               .values_list("value", flat=True))
    for meta in (Message.objects.filter(ticket=ticket, kind=MessageKind.INBOUND)
                 .order_by("-created_at", "-id").values_list("meta", flat=True)[:5]):
        sender = (meta or {}).get("from", "")
        if sender in mine:
            return str(sender)
    return fallback


def compose(mailbox: Mailbox, out: OutboundMessage) -> tuple[EmailMessage, list[str]]:
    """The MIME message and its envelope recipients."""
    ticket = Ticket.objects.select_related("client").get(pk=out.ticket_id)
    to = _recipient(ticket, out.recipients.get("email", ""))
    if not to:
        raise PermanentFailure(_("The client has no email address."))
    ours = loops.own_addresses()
    cc = [a for a in dict.fromkeys([*out.cc, *Participant.objects.filter(ticket=ticket)
                                     .values_list("address", flat=True)])
          if a != to and a not in ours]
    agent = Agent.objects.filter(pk=out.author_id).first() if out.author_id else None
    html = out.html
    if mailbox.signature_html and not out.automatic:
        values = {"client.name": ticket.client.name or "", "ticket.number": str(ticket.number),
                  "ticket.subject": ticket.subject, "agent.name": agent.name if agent else ""}
        html = f"{html}<div class=\"signature\">{render(mailbox.signature_html, values)}</div>"

    mime = EmailMessage()
    mime["From"] = formataddr((str(mailbox.channel.name), mailbox.address))
    mime["To"] = to
    if cc:
        mime["Cc"] = ", ".join(cc)
    mime["Subject"] = subject_line(out.subject, out.ticket_number)
    mime["Date"] = format_datetime(timezone.now())
    mime["Message-ID"] = message_id(delivery_key=out.delivery_key, domain=mailbox.domain)
    if out.in_reply_to:
        mime["In-Reply-To"] = out.in_reply_to
    if out.references:
        mime["References"] = " ".join(out.references)
    if out.automatic:
        for name, value in loops.AUTO_HEADERS.items():
            mime[name] = value
    mime.set_content(html_to_text(html) if html else out.text)
    mime.add_alternative(f"<!doctype html><html><body>{html}</body></html>", subtype="html")
    for name, ctype, path in out.attachments:
        maintype, _sep, subtype = (ctype or mimetypes.guess_type(name)[0]
                                   or "application/octet-stream").partition("/")
        mime.add_attachment(Path(path).read_bytes(), maintype=maintype,
                            subtype=subtype or "octet-stream", filename=name)
    return mime, list(dict.fromkeys([to, *cc, *out.bcc]))


def open_smtp(mailbox: Mailbox) -> smtplib.SMTP:
    """A logged-in SMTP connection (the caller closes it)."""
    timeout = settings.HELPWIRE_MAIL_TIMEOUT
    context = ssl.create_default_context()
    if mailbox.smtp_security == Security.SSL:
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(mailbox.smtp_host, mailbox.smtp_port,
                                              timeout=timeout, context=context)
    else:
        smtp = smtplib.SMTP(mailbox.smtp_host, mailbox.smtp_port, timeout=timeout)
        if mailbox.smtp_security == Security.STARTTLS:
            smtp.starttls(context=context)
    if mailbox.auth == AuthKind.OAUTH2:
        user = mailbox.smtp_user or mailbox.imap_user or mailbox.address
        response = oauth.sasl(user, oauth.access_token(mailbox))
        smtp.ehlo_or_helo_if_needed()
        # On a refused token the server sends a challenge with its error: answer it
        # empty, and the server then says 535 with the reason.
        smtp.auth("XOAUTH2", lambda challenge=None: response if challenge is None else "",
                  initial_response_ok=True)
    elif mailbox.smtp_user:
        smtp.login(mailbox.smtp_user, crypto.decrypt(mailbox.smtp_secret))
    return smtp


def _answer(exc: smtplib.SMTPResponseException) -> str:
    text = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) \
        else str(exc.smtp_error)
    return f"{exc.smtp_code} {text}"


@register
class EmailConnector(Connector):
    kind = ChannelKind.EMAIL

    def thread_keys(self, *, delivery_key: str) -> list[str]:
        address = str(self.config.get("address", ""))
        return [message_id(delivery_key=delivery_key, domain=address.rpartition("@")[2])] \
            if address else []

    def send(self, message: OutboundMessage) -> Delivery:
        mailbox = (Mailbox.objects.select_related("channel")
                   .filter(channel_id=message.channel_id).first())
        if mailbox is None:
            name = Channel.objects.filter(pk=message.channel_id).values_list(
                "name", flat=True).first()
            raise PermanentFailure(_("Channel %(channel)s has no mailbox settings.")
                                   % {"channel": name or message.channel_id})
        if not mailbox.smtp_host:
            raise PermanentFailure(_("Mailbox %(address)s has no SMTP server set.")
                                   % {"address": mailbox.address})
        mime, recipients = compose(mailbox, message)
        try:
            smtp = open_smtp(mailbox)
            try:
                refused = smtp.send_message(mime, from_addr=mailbox.address,
                                            to_addrs=recipients)
            finally:
                with contextlib.suppress(smtplib.SMTPException, OSError):
                    smtp.quit()
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _text in exc.recipients.values()]
            answer = "; ".join(f"{rcpt}: {code} {text.decode('utf-8', 'replace')}"
                               for rcpt, (code, text) in exc.recipients.items())
            if all(code >= 500 for code in codes):
                raise PermanentFailure(answer) from exc
            raise TemporaryFailure(answer) from exc
        except smtplib.SMTPResponseException as exc:
            if exc.smtp_code >= 500:
                raise PermanentFailure(_answer(exc)) from exc
            raise TemporaryFailure(_answer(exc)) from exc
        except (TimeoutError, smtplib.SMTPException, OSError, ssl.SSLError) as exc:
            raise TemporaryFailure(f"{mailbox.smtp_host}:{mailbox.smtp_port}: {exc}") from exc
        if refused and len(refused) == len(recipients):
            raise PermanentFailure(str(refused))
        return Delivery(external_id=str(mime["Message-ID"]), sent_at=timezone.now())
