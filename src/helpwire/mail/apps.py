from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MailConfig(AppConfig):
    name = "helpwire.mail"
    label = "mail"
    verbose_name = _("Email")

    def ready(self) -> None:
        # Importing these registers the email connector and the polling/sweep jobs.
        from helpwire.mail import connector as _connector  # noqa: F401
        from helpwire.mail import tasks as _tasks  # noqa: F401
