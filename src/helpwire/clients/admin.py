from __future__ import annotations

from django.contrib import admin

from helpwire.clients.models import Client, Company, CompanyDomain, Identity
from helpwire.core.admin import ReadOnlyAdmin, ReadOnlyInline


class DomainInline(admin.TabularInline):
    model = CompanyDomain
    extra = 1


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = ["name", "is_internal", "created_at"]
    list_filter = ["is_internal"]
    search_fields = ["name", "domains__domain"]
    inlines = [DomainInline]


class IdentityInline(ReadOnlyInline):
    model = Identity
    fields = ["kind", "value", "created_at"]


@admin.register(Client)
class ClientAdmin(ReadOnlyAdmin):
    """Client cards are edited through the workspace and API (which normalise identities
    and record merges); the admin only shows them."""

    list_display = ["name", "company", "is_internal", "responsible", "created_at"]
    list_filter = ["is_internal"]
    list_select_related = ["company", "responsible"]
    search_fields = ["name", "=identities__value"]
    inlines = [IdentityInline]
    show_full_result_count = False
