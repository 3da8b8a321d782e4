"""What happens when a ticket's reminder comes due [TK2]."""

from __future__ import annotations

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from helpwire.accounts.models import Notification
from helpwire.accounts.notify import notify
from helpwire.core import events, timers
from helpwire.core.actors import Actor
from helpwire.core.models import Timer
from helpwire.tickets.actions import REMINDER_TIMER
from helpwire.tickets.history import ChangeSet
from helpwire.tickets.models import FINISHED, Status, Ticket


@timers.handler(REMINDER_TIMER)
def fire_reminder(timer: Timer) -> None:
    if timer.ticket_id is None:
        return
    ticket = Ticket.objects.select_for_update().filter(pk=timer.ticket_id).first()
    if ticket is None or ticket.status in FINISHED:  # left the flow: dropped quietly
        return
    actor = Actor.system("reminder")
    cs = ChangeSet(ticket, actor)
    due = ticket.remind_at
    cs.set("remind_at", None)
    cs.set("status", Status.OPEN)
    cs.commit()
    events.emit(events.REMINDER_FIRED, actor=actor, ticket_id=ticket.pk,
                due_at=timer.due_at.isoformat())
    if ticket.assignee is not None:
        number = ticket.number
        notify(agent=ticket.assignee, kind=Notification.Kind.REMINDER, ticket_id=ticket.pk,
               text=lambda: _("Reminder: ticket #%(number)s is back (set for %(due)s)") % {
                   "number": number,
                   "due": formats.date_format(timezone.localtime(due), "DATETIME_FORMAT")
                   if due else ""})
