from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from helpwire.accounts import actions
from helpwire.accounts.models import Agent, ApiToken, Group
from helpwire.core.actors import Actor
from helpwire.core.admin import ReadOnlyAdmin


class AgentForm(forms.ModelForm):
    password = forms.CharField(label=_("New password"), required=False,
                               widget=forms.PasswordInput(render_value=False),
                               help_text=_("Leave empty to keep the current password."))

    class Meta:
        model = Agent
        fields = ["email", "name", "role", "groups", "is_active", "language", "time_zone"]


@admin.register(Agent)
class AgentAdmin(admin.ModelAdmin):
    form = AgentForm
    list_display = ["name", "email", "role", "is_active", "last_login"]
    list_filter = ["role", "is_active", "groups"]
    search_fields = ["name", "email"]
    filter_horizontal = ["groups"]
    actions = ["disable"]

    def save_model(self, request: HttpRequest, obj: Agent, form: Any, change: bool) -> None:
        password = form.cleaned_data.get("password")
        if not change:
            # One way to add an agent, whatever the screen.
            created = actions.create_agent(email=obj.email, name=obj.name, role=obj.role,
                                           password=password or None)
            obj.pk = created.pk
            obj.password = created.password
            obj._state.adding = False
            Agent.objects.filter(pk=obj.pk).update(language=obj.language,
                                                  time_zone=obj.time_zone)
            obj._wanted_active = obj.is_active  # type: ignore[attr-defined]
            obj.is_active = True
            return
        if password:
            obj.set_password(password)
        # Role, groups and the active flag change through the actions (save_related), so
        # disabling here releases the agent's tickets with history, as the settings screen
        # does; the form's own save keeps the stored values of those.
        stored = Agent.objects.values("role", "is_active").get(pk=obj.pk)
        obj._wanted_active = obj.is_active  # type: ignore[attr-defined]
        obj.role, obj.is_active = stored["role"], stored["is_active"]
        super().save_model(request, obj, form, change)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        groups = form.cleaned_data.pop("groups", None)
        super().save_related(request, form, formsets, change)
        agent, actor = form.instance, Actor.of_agent(request.user)  # type: ignore[arg-type]
        actions.update_agent(agent=agent, actor=actor, role=form.cleaned_data.get("role"),
                             groups=groups)
        wanted = getattr(agent, "_wanted_active", agent.is_active)
        if wanted and not agent.is_active:
            actions.enable_agent(agent=agent, actor=actor)
        elif not wanted and agent.is_active:
            actions.disable_agent(agent=agent, actor=actor)

    @admin.action(description=_("Disable the selected agents"))
    def disable(self, request: HttpRequest, queryset: QuerySet[Agent]) -> None:
        for agent in queryset:
            actions.disable_agent(agent=agent, actor=Actor.of_agent(request.user))  # type: ignore[arg-type]
        messages.success(request, _("Disabled."))


@admin.register(Group)
class GroupAdmin(admin.ModelAdmin):
    list_display = ["name", "description"]
    search_fields = ["name"]

    # Deleting a group takes its tickets out of it with history and counts (the action);
    # a plain delete would null the tickets' column silently.
    def delete_model(self, request: HttpRequest, obj: Group) -> None:
        actions.delete_group(group=obj, actor=Actor.of_agent(request.user))  # type: ignore[arg-type]

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Group]) -> None:
        for group in queryset:
            self.delete_model(request, group)


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    list_display = ["hint", "agent", "name", "created_at", "last_used_at", "revoked_at"]
    actions = ["revoke"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None  # lets the revoke action run; rows themselves stay read-only

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        for token in queryset:
            actions.revoke_token(token=token)
