"""Shared admin helpers, and read-only views of the event log and timers."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from helpwire.core.models import Event, Timer


class ReadOnlyAdmin(admin.ModelAdmin):
    """For rows that only actions may write: the admin shows them, never edits them."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ["id", "kind", "ticket_id", "actor_kind", "actor_name", "created_at",
                    "dispatched_at", "attempts"]
    list_filter = ["kind", "actor_kind"]
    search_fields = ["=ticket_id"]
    show_full_result_count = False


@admin.register(Timer)
class TimerAdmin(ReadOnlyAdmin):
    list_display = ["id", "kind", "ticket_id", "due_at", "fired_at", "attempts", "last_error"]
    list_filter = ["kind"]
    show_full_result_count = False
