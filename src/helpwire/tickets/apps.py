from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TicketsConfig(AppConfig):
    name = "helpwire.tickets"
    label = "tickets"
    verbose_name = _("Tickets")

    def ready(self) -> None:
        # Importing registers: the ticket visibility rule, the queue counter hooks and job,
        # the ticket side of lower apps' verbs, the sweep's ticket lock, the reminder handler.
        from helpwire.tickets import access, counters, hooks, locks, reminders  # noqa: F401
