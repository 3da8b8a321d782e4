from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConversationsConfig(AppConfig):
    name = "helpwire.conversations"
    label = "conversations"
    verbose_name = _("Conversations")

    def ready(self) -> None:
        # Registers the stuck-delivery and orphan-file sweeps with the scheduler.
        from helpwire.conversations import attachments, tasks  # noqa: F401
