from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "helpwire.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        # Registers the outbox sweep and the other core jobs with the scheduler.
        from helpwire.core import housekeeping  # noqa: F401
