"""@mentions in private notes [TK6]: agents (contractors too) get a notification and an
email; any other address gets an email with the note and a link."""

from __future__ import annotations

import re

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from helpwire.accounts import permissions
from helpwire.accounts.models import Agent, Notification
from helpwire.accounts.notify import notify, send_mention_email
from helpwire.core.actors import Actor
from helpwire.core.ratelimit import too_many
from helpwire.tickets.models import Ticket

_MENTION = re.compile(r"(?<![\w.])@([A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,})")
MAX_MENTIONS = 20


def mentioned_emails(text: str) -> list[str]:
    seen: dict[str, None] = {}
    for match in _MENTION.finditer(text or ""):
        seen.setdefault(match.group(1).lower().rstrip("."), None)
    return list(seen)[:MAX_MENTIONS]


def mentioned_by_name(text: str) -> list[Agent]:
    """Active agents named after an "@" — "@Дмитрий Орлов", as the autocomplete inserts it
    or a person types it — case-insensitively, the longest name winning ("@Анна Петрова"
    is not "@Анна")."""
    if "@" not in (text or ""):
        return []
    folded = text.casefold().replace("ё", "е")
    agents = sorted(Agent.objects.filter(is_active=True).exclude(name=""),
                    key=lambda a: -len(a.name))
    found: dict[int, Agent] = {}
    for at in [i for i, ch in enumerate(folded) if ch == "@"]:
        if at > 0 and (folded[at - 1].isalnum() or folded[at - 1] in "._%+-"):
            continue  # the middle of an email address
        rest = folded[at + 1:]
        for agent in agents:
            name = agent.name.casefold().replace("ё", "е")
            end = len(name)
            if rest.startswith(name) and (len(rest) == end or not rest[end].isalnum()):
                found.setdefault(agent.pk, agent)
                break
    return list(found.values())[:MAX_MENTIONS]


def _check_outside(emails: list[str], actor: Actor) -> None:
    """A note mailed to an outside address leaves from Helpwire's own address: only roles
    allowed to, only to the domains an administrator listed, and not in floods (otherwise
    any agent could send mail that looks like the company's)."""
    if not permissions.can(actor, "mention.outside"):
        raise PermissionDenied(_("You may not mention addresses outside the team."))
    allowed = {d.lower() for d in settings.HELPWIRE_MENTION_DOMAINS}
    refused = [e for e in emails if e.rsplit("@", 1)[-1] not in allowed]
    if refused:
        raise ValidationError(
            _("%(emails)s: mentions may reach only these domains: %(domains)s."),
            code="mention_domain", params={"emails": ", ".join(refused),
                                           "domains": ", ".join(sorted(allowed)) or "—"})
    who = str(actor.agent.pk) if actor.agent else actor.name
    if too_many(scope="mention-outside", key=who, limit=settings.HELPWIRE_MENTION_RATE,
                window=3600):
        raise ValidationError(_("Too many outside mentions this hour; try again later."),
                              code="rate_limited")


def apply(*, ticket: Ticket, text: str, actor: Actor) -> list[str]:
    by_name = {a.email: a for a in mentioned_by_name(text)}
    emails = list(dict.fromkeys([*mentioned_emails(text), *by_name]))[:MAX_MENTIONS]
    if not emails:
        return []
    agents = {a.email: a for a in Agent.objects.filter(email__in=emails, is_active=True)}
    if agents:
        ticket.mentioned.add(*agents.values())  # contractors may now see this ticket
    outside = [e for e in emails if e not in agents]
    if outside:
        _check_outside(outside, actor)
    for email in emails:
        agent = agents.get(email)
        if agent is not None:
            if agent != actor.agent:
                words = {"author": actor.name, "number": ticket.number}
                notify(agent=agent, kind=Notification.Kind.MENTION, ticket_id=ticket.pk,
                       text=lambda w=words: _("%(author)s mentioned you in ticket "  # type: ignore[misc]
                                              "#%(number)s") % w)
            continue
        kwargs = {"email": email, "ticket_id": ticket.pk, "ticket_number": ticket.number,
                  "author": actor.name, "text": text[:5000]}
        transaction.on_commit(lambda kw=kwargs: send_mention_email.enqueue(**kw))  # type: ignore[misc]
    return emails
