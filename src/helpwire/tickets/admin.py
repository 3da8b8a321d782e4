from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from helpwire.core.admin import ReadOnlyAdmin, ReadOnlyInline
from helpwire.tickets import tags
from helpwire.tickets.models import Change, CustomField, Message, Tag, Ticket


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["path"]
    search_fields = ["path"]
    fields = ["name", "parent"]
    autocomplete_fields = ["parent"]

    def save_model(self, request: HttpRequest, obj: Tag, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if change and "name" in form.changed_data:
            tags.rename(tag=obj, name=obj.name)  # the subtree's paths follow


@admin.register(CustomField)
class CustomFieldAdmin(admin.ModelAdmin):
    list_display = ["label", "key", "kind", "required", "is_active", "position"]
    list_filter = ["kind", "required", "is_active"]
    filter_horizontal = ["channels"]
    prepopulated_fields = {"key": ["label"]}


class MessageInline(ReadOnlyInline):
    model = Message
    fields = ["kind", "actor_name", "body_text", "created_at", "delivery_state"]
    ordering = ["created_at", "id"]


class ChangeInline(ReadOnlyInline):
    model = Change
    fields = ["created_at", "actor_kind", "actor_name", "field", "old", "new"]


@admin.register(Ticket)
class TicketAdmin(ReadOnlyAdmin):
    """Tickets change only through actions (history, events, rules); read-only here."""

    list_display = ["number", "subject", "status", "priority", "assignee", "group", "channel",
                    "updated_at"]
    list_filter = ["status", "priority", "channel", "group"]
    list_select_related = ["assignee", "group", "channel"]
    search_fields = ["=number"]
    inlines = [MessageInline, ChangeInline]
    show_full_result_count = False
    ordering = ["-updated_at", "-id"]
