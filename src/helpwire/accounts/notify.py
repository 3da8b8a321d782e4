"""Agent notifications [TM3]: a row the workspace shows (and pushes live), plus an email.
Mail leaves only after commit, through a task."""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable

from django.conf import settings
from django.core.mail import EmailMessage, send_mail
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from helpwire.accounts import reply_tokens
from helpwire.accounts.models import Agent, Notification, Role


def ticket_url(ticket_id: int) -> str:
    return f"{settings.HELPWIRE_BASE_URL.rstrip('/')}/tickets/{ticket_id}/"


def in_agents_language(agent: Agent, text: Callable[[], str]) -> str:
    """``text()`` rendered in the agent's language and time zone — a notification is read
    by him, not by whoever (or whatever worker) caused it."""
    language = agent.language or settings.LANGUAGE_CODE
    zone = agent.time_zone or settings.TIME_ZONE
    with translation.override(language), timezone.override(zoneinfo.ZoneInfo(zone)):
        return text()


def notify(*, agent: Agent, kind: str, ticket_id: int | None, text: str | Callable[[], str],
           email: bool = True) -> Notification:
    """``text`` is best a callable (``lambda: _("…") % {…}``): it is then worded in the
    agent's own language, with times in his time zone."""
    if callable(text):
        text = in_agents_language(agent, text)
    note = Notification.objects.create(agent=agent, kind=kind, ticket_id=ticket_id, text=text)
    if email and agent.email:
        transaction.on_commit(lambda: send_notification_email.enqueue(note.pk))
    return note


def notify_admins(*, kind: str, text: Callable[[], str], email: bool = True) -> None:
    """The same notice to every active admin, each in his own language."""
    for admin in Agent.objects.filter(role=Role.ADMIN, is_active=True):
        notify(agent=admin, kind=kind, ticket_id=None, text=text, email=email)


@task()
def send_notification_email(notification_id: int) -> None:
    note = Notification.objects.select_related("agent").get(pk=notification_id)
    link = ticket_url(note.ticket_id) if note.ticket_id else settings.HELPWIRE_BASE_URL
    headers = {}
    if note.ticket_id:
        # His mail program quotes this when he answers: the proof that he wrote.
        headers["Message-ID"] = reply_tokens.issue(ticket_id=note.ticket_id,
                                                   agent_id=note.agent_id)
    EmailMessage(subject=note.text[:150], body=f"{note.text}\n\n{link}",
                 to=[note.agent.email], headers=headers).send()


@task()
def send_mention_email(*, email: str, ticket_id: int, ticket_number: int, author: str,
                       text: str) -> None:
    """A mention of someone without an account (a colleague from another department)."""
    subject = _("%(author)s mentioned you in ticket #%(number)s") % {
        "author": author, "number": ticket_number}
    send_mail(subject=subject, message=f"{text}\n\n{ticket_url(ticket_id)}", from_email=None,
              recipient_list=[email])
