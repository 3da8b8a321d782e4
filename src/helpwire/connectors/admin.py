from __future__ import annotations

from django.contrib import admin

from helpwire.connectors.models import Channel


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "is_active", "default_group"]
    list_filter = ["kind", "is_active"]
    filter_horizontal = ["groups"]
