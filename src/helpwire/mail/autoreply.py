"""The mailbox's acknowledgement of a new request ("we have your mail, ticket #N").

A stop-gap until the rules issue sends automatic messages as rules: the decision whether
one may go is ``loops.claim_auto_reply`` either way — never to a machine, never to our own
mailboxes, at most ``HELPWIRE_MAIL_AUTO_REPLY_CAP`` per address per day.
"""

from __future__ import annotations

import logging

from helpwire.conversations import reply
from helpwire.conversations.rendering import render
from helpwire.core.actors import Actor
from helpwire.mail import loops
from helpwire.mail.models import Mailbox
from helpwire.mail.parse import ParsedMail
from helpwire.tickets.models import Ticket

logger = logging.getLogger("helpwire.mail")


def acknowledge(*, mailbox: Mailbox, ticket: Ticket, parsed: ParsedMail, to: str) -> bool:
    """Queue the acknowledgement if the mailbox has one and it may go; True if queued."""
    if not mailbox.auto_reply_html.strip():
        return False
    allowed, why = loops.claim_auto_reply(address=to, headers=parsed.headers)
    if not allowed:
        logger.info("no automatic reply to %s on ticket %s: %s", to, ticket.number, why)
        return False
    values = {"client.name": ticket.client.name or "", "ticket.number": str(ticket.number),
              "ticket.subject": ticket.subject, "agent.name": ""}
    reply(ticket=ticket, actor=Actor.system("mail"), automatic=True,
          html=render(mailbox.auto_reply_html, values))
    return True
