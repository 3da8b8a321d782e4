from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TicketsConfig(AppConfig):
    name = "helpwire.tickets"
    label = "tickets"
    verbose_name = _("Tickets")

    def ready(self) -> None:
        # Importing registers the reminder timer handler and the queue counter hooks.
        from helpwire.tickets import counters, reminders  # noqa: F401
