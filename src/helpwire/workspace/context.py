"""What every workspace page shows in its frame."""

from __future__ import annotations

from django.http import HttpRequest

from helpwire.accounts.models import Agent, Notification


def unread(request: HttpRequest) -> dict[str, object]:
    """The unread-notifications badge (counted lazily: only pages that show it ask)."""
    user = getattr(request, "user", None)
    if not isinstance(user, Agent):
        return {}

    def count() -> int:
        return Notification.objects.filter(agent=user, read_at__isnull=True).count()

    return {"unread_notifications": count}
