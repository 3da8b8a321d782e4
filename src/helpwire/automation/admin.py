from django.contrib import admin

from helpwire.automation.models import ReplyTemplate


@admin.register(ReplyTemplate)
class ReplyTemplateAdmin(admin.ModelAdmin):
    list_display = ["title", "section", "is_active"]
    list_filter = ["is_active", "section"]
    search_fields = ["title", "body", "section"]
