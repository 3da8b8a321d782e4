from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    name = "helpwire.search"
    label = "search"
    verbose_name = _("Search")

    def ready(self) -> None:
        # Registers the in-transaction hooks that keep the index in step with each write.
        from helpwire.search import hooks  # noqa: F401
