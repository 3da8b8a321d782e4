"""Rule actions that send something [AU1 AU3 TK7]: a reply from a template on the ticket's
channel, and an email to any address. Both are rendered by the one renderer; the reply is
stored now and delivered after commit by the channel's connector (as every reply is), the
email goes out in a task after commit. A rule's reply is automatic: it sets no first
response time and leaves a new ticket new. On an email ticket it goes only when the loop
guard agrees (``mail.loops.claim_for_message``): never to a machine's mail."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import quote

from django.db import transaction

from helpwire.automation import requests
from helpwire.automation.models import ReplyTemplate, Rule
from helpwire.automation.tasks import send_rule_email
from helpwire.clients.models import Identity, IdentityKind
from helpwire.connectors.models import ChannelKind
from helpwire.conversations import reply
from helpwire.conversations.rendering import (
    DEFAULT_ANSWER_WITHIN,
    json_string,
    render,
    variables,
)
from helpwire.core.actors import Actor
from helpwire.mail import loops
from helpwire.tickets.models import Message, Ticket


def _client_address(ticket: Ticket, message: Message | None) -> str:
    sender = str(((message.meta or {}) if message is not None else {}).get("from") or "")
    return sender or (Identity.objects.filter(client_id=ticket.client_id,
                                              kind=IdentityKind.EMAIL)
                      .order_by("pk").values_list("value", flat=True).first() or "")


def _http(rule: Rule, ticket: Ticket, action: dict[str, Any],
          values: dict[str, str]) -> dict[str, Any]:
    """Render the request now (the ticket as it is at this event) and queue it [AU8]."""
    headers = {k: render(v, values).replace("\r", " ").replace("\n", " ")
               for k, v in (action.get("headers") or {}).items()}
    body = action.get("body") or ""
    as_json = "json" in headers.get("Content-Type", "").lower() or body.lstrip()[:1] in "{["
    if as_json and body:
        headers.setdefault("Content-Type", "application/json")
    url = render(action["url"], values, escape=lambda v: quote(v, safe=""))
    request = requests.queue(rule=rule, ticket_id=ticket.pk, method=action["method"], url=url,
                             headers=headers, body=render(body, values, escape=json_string
                                                          if as_json else None))
    return {"type": "http_request", "request_id": request.pk}


def send(*, rule: Rule, ticket: Ticket, action: dict[str, Any],
         message: Message | None, extra: dict[str, str] | None = None) -> dict[str, Any]:
    """Do one sending action; returns its line for the firing log."""
    within = timedelta(seconds=int(action.get("answer_within") or
                                   DEFAULT_ANSWER_WITHIN.total_seconds()))
    values = variables(ticket=ticket, agent=None, message=message, answer_within=within,
                       extra=extra)
    if action["type"] == "http_request":
        return _http(rule, ticket, action, values)
    if action["type"] == "send_email":
        subject = render(action.get("subject", ""), values)
        body = render(action.get("body", ""), values)
        to = list(action["to"])
        transaction.on_commit(lambda: send_rule_email.enqueue(to=to, subject=subject,
                                                              body=body))
        return {"type": "send_email", "to": to}
    template = ReplyTemplate.objects.filter(pk=int(action.get("template_id") or 0),
                                            is_active=True).first()
    if template is None:
        return {"type": "reply_template", "skipped": "the template is gone or inactive"}
    if message is not None and (message.meta or {}).get("automatic"):
        return {"type": "reply_template", "skipped": str(message.meta["automatic"])}
    if ticket.channel.kind == ChannelKind.EMAIL:
        allowed, why = loops.claim_for_message(message_meta=message.meta if message else {},
                                               address=_client_address(ticket, message))
        if not allowed:
            return {"type": "reply_template", "skipped": why}
    sent = reply(ticket=ticket, actor=Actor.rule(rule.name, rule_id=rule.pk), automatic=True,
                 text=render(template.body, values))
    return {"type": "reply_template", "template_id": template.pk, "message_id": sent.pk}
