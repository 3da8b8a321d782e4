from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SlaConfig(AppConfig):
    name = "helpwire.sla"
    label = "sla"
    verbose_name = _("Service levels")

    def ready(self) -> None:
        # Registers the clocks' in-transaction hooks and timer handlers.
        from helpwire.sla import tracking  # noqa: F401
