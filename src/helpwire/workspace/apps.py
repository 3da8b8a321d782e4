from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkspaceConfig(AppConfig):
    name = "helpwire.workspace"
    label = "workspace"
    verbose_name = _("Workspace")

    def ready(self) -> None:
        # The event relay, and the saved-filter reader the API's manual rules use.
        from helpwire.workspace import lists, live  # noqa: F401
