from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConnectorsConfig(AppConfig):
    name = "helpwire.connectors"
    label = "connectors"
    verbose_name = _("Channels")

    def ready(self) -> None:
        # Importing a connector module registers it.
        from helpwire.connectors.api import connector as _api  # noqa: F401
        from helpwire.connectors.manual import connector as _manual  # noqa: F401
