from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TicketsConfig(AppConfig):
    name = "helpwire.tickets"
    label = "tickets"
    verbose_name = _("Tickets")

    def ready(self) -> None:
        from helpwire.tickets import reminders  # noqa: F401  (registers the timer handler)
