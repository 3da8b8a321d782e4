from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "helpwire.reports"
    label = "reports"
    verbose_name = _("Ratings and reports")

    def ready(self) -> None:
        # Registers the facts' in-transaction hooks, the rating request and the jobs.
        from helpwire.reports import facts, housekeeping, ratings, schedules  # noqa: F401
