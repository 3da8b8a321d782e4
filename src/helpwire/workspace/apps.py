from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkspaceConfig(AppConfig):
    name = "helpwire.workspace"
    label = "workspace"
    verbose_name = _("Workspace")

    def ready(self) -> None:
        from helpwire.workspace import live  # noqa: F401  (registers the event relay)
