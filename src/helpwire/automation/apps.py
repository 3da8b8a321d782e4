from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AutomationConfig(AppConfig):
    name = "helpwire.automation"
    label = "automation"
    verbose_name = _("Automation")

    def ready(self) -> None:
        # Registers the rules engine's in-transaction hooks on the event bus.
        from helpwire.automation import engine, mailings, manual, timed  # noqa: F401
