"""Settings screens for admins: agents, groups, tags, custom fields, templates [TM1].

This module holds the overview and the team screens (agents, groups, channel visibility
[CH10]); the ticket catalogue (tags, fields, templates) lives in ``settings_catalog``.
Adding and disabling an agent go through ``accounts.actions``; groups and channels are
settings objects written directly, one transaction each.
"""

from __future__ import annotations

import secrets

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import URLPattern, path
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from helpwire.accounts.actions import create_agent, disable_agent, enable_agent, update_agent
from helpwire.accounts.models import Agent, Group
from helpwire.automation.models import ReplyTemplate
from helpwire.connectors.models import Channel
from helpwire.sla import actions as sla_actions
from helpwire.tickets.models import IN_WORK, CustomField, Tag, Ticket
from helpwire.workspace.settings_forms import (
    AgentCreateForm,
    AgentEditForm,
    ChannelAccessForm,
    GroupForm,
)
from helpwire.workspace.views import (
    settings_catalog,
    settings_hours,
    settings_rules,
    settings_sla,
)
from helpwire.workspace.views.common import actor, agent_view, error_text, viewer
from helpwire.workspace.views.settings_catalog import MANAGE, invalid, screen

# The generated password of a just-added agent waits here for the one page that shows it.
_NEW_PASSWORD = "settings_new_agent_password"  # noqa: S105 (a session key)


@agent_view(MANAGE)
def index(request: HttpRequest) -> HttpResponse:
    totals = {
        "agents": Agent.objects.filter(is_active=True).count(),
        "groups": Group.objects.count(),
        "tags": Tag.objects.count(),
        "fields": CustomField.objects.count(),
        "templates": ReplyTemplate.objects.count(),
        "channels": Channel.objects.count(),
    }
    return screen(request, "index.html", "overview", {"totals": totals})


# --- agents ----------------------------------------------------------------------------------


def _open_tickets(agent: Agent) -> int:
    """Tickets still to be worked (new, open, on hold, pending): what disabling releases."""
    return Ticket.objects.filter(assignee=agent, status__in=IN_WORK).count()


@agent_view(MANAGE)
def agents(request: HttpRequest) -> HttpResponse:
    rows = (Agent.objects.prefetch_related(Prefetch("groups", Group.objects.order_by("name")))
            .annotate(open_count=Count("assigned_tickets",
                                       filter=Q(assigned_tickets__status__in=IN_WORK)))
            .order_by("-is_active", "name"))
    return screen(request, "agents.html", "agents", {"agents": rows})


@agent_view(MANAGE)
def agent_new(request: HttpRequest) -> HttpResponse:
    form = AgentCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        password = data["password"] or secrets.token_urlsafe(12)
        try:
            agent = create_agent(email=data["email"], name=data["name"], role=data["role"],
                                 password=password, groups=data["groups"])
        except ValidationError as exc:
            form.add_error(None, error_text(exc))
        else:
            if not data["password"]:
                request.session[_NEW_PASSWORD] = {"agent": agent.pk, "password": password}
            messages.success(request, _("%(name)s can log in now as %(email)s.")
                             % {"name": agent.name, "email": agent.email})
            return redirect("workspace:settings_agent_edit", pk=agent.pk)
    if request.method == "POST":
        return invalid(request, "agent_new.html", "agents", {"form": form})
    return screen(request, "agent_new.html", "agents", {"form": form})


@agent_view(MANAGE)
def agent_edit(request: HttpRequest, pk: int) -> HttpResponse:
    agent = get_object_or_404(Agent, pk=pk)
    form = AgentEditForm(request.POST or None, agent=agent, editor=viewer(request))
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            agent = update_agent(agent=agent, actor=actor(request), name=data["name"],
                                 role=data["role"], groups=data["groups"])
            messages.success(request, _("%(name)s saved.") % {"name": agent.name})
            return redirect("workspace:settings_agents")
        return invalid(request, "agent_edit.html", "agents", {"agent": agent, "form": form})
    new_password = None
    pending = request.session.get(_NEW_PASSWORD)
    if pending and pending.get("agent") == agent.pk:
        new_password = request.session.pop(_NEW_PASSWORD)["password"]
    response = screen(request, "agent_edit.html", "agents", {
        "agent": agent, "form": form, "new_password": new_password,
        "open_count": _open_tickets(agent), "is_self": agent.pk == viewer(request).pk,
    })
    if new_password:
        add_never_cache_headers(response)
    return response


@agent_view(MANAGE)
@require_POST
def agent_disable(request: HttpRequest, pk: int) -> HttpResponse:
    agent = get_object_or_404(Agent, pk=pk)
    if agent.pk == viewer(request).pk:
        messages.error(request, _("You cannot disable yourself."))
        return redirect("workspace:settings_agent_edit", pk=agent.pk)
    if agent.is_active:
        count = _open_tickets(agent)
        disable_agent(agent=agent, actor=actor(request))
        messages.success(request, ngettext(
            "%(name)s is disabled: the login and API tokens no longer work, %(count)s open "
            "ticket is back in the queue.",
            "%(name)s is disabled: the login and API tokens no longer work, %(count)s open "
            "tickets are back in the queue.", count) % {"name": agent.name, "count": count})
    return redirect("workspace:settings_agents")


@agent_view(MANAGE)
@require_POST
def agent_enable(request: HttpRequest, pk: int) -> HttpResponse:
    agent = enable_agent(agent=get_object_or_404(Agent, pk=pk), actor=actor(request))
    messages.success(request, _("%(name)s can log in again.") % {"name": agent.name})
    return redirect("workspace:settings_agents")


# --- groups ------------------------------------------------------------------------------------


def _group_rows() -> list[Group]:
    members = Agent.objects.filter(is_active=True).order_by("name")
    return list(Group.objects.prefetch_related(Prefetch("agents", members, to_attr="members"))
                .order_by("name"))


@agent_view(MANAGE)
def groups(request: HttpRequest) -> HttpResponse:
    form = GroupForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            with transaction.atomic():
                group = Group.objects.create(name=form.cleaned_data["name"],
                                             description=form.cleaned_data["description"])
            messages.success(request, _("Group “%(name)s” added.") % {"name": group.name})
            return redirect("workspace:settings_groups")
        return invalid(request, "groups.html", "groups", {"form": form, "groups": _group_rows()})
    return screen(request, "groups.html", "groups", {"form": form, "groups": _group_rows()})


@agent_view(MANAGE)
def group_edit(request: HttpRequest, pk: int) -> HttpResponse:
    group = get_object_or_404(Group, pk=pk)
    form = GroupForm(request.POST or None, group=group)
    context = {
        "group": group, "form": form,
        "members": group.agents.order_by("-is_active", "name"),
        "group_channels": group.channels.order_by("name"),
    }
    if request.method == "POST":
        if form.is_valid():
            with transaction.atomic():
                group.name = form.cleaned_data["name"]
                group.description = form.cleaned_data["description"]
                group.calendar = form.cleaned_data["calendar"]
                group.save(update_fields=["name", "description", "calendar"])
                sla_actions.set_group_policy(group=group,
                                             policy=form.cleaned_data["sla_policy"])
            messages.success(request, _("Group “%(name)s” saved.") % {"name": group.name})
            return redirect("workspace:settings_groups")
        return invalid(request, "group_edit.html", "groups", context)
    return screen(request, "group_edit.html", "groups", context)


# --- channels [CH10] ------------------------------------------------------------------------


@agent_view(MANAGE)
def channels(request: HttpRequest) -> HttpResponse:
    rows = (Channel.objects.select_related("default_group")
            .prefetch_related(Prefetch("groups", Group.objects.order_by("name")))
            .order_by("name"))
    return screen(request, "channels.html", "channels", {"channel_rows": rows})


@agent_view(MANAGE)
def channel_edit(request: HttpRequest, pk: int) -> HttpResponse:
    channel = get_object_or_404(Channel, pk=pk)
    form = ChannelAccessForm(request.POST or None, channel=channel)
    context = {"channel": channel, "form": form}
    if request.method == "POST":
        if form.is_valid():
            with transaction.atomic():
                channel.default_group = form.cleaned_data["default_group"]
                channel.save(update_fields=["default_group"])
                channel.groups.set(form.cleaned_data["groups"])
            messages.success(request, _("Channel “%(name)s” saved.") % {"name": channel.name})
            return redirect("workspace:settings_channels")
        return invalid(request, "channel_edit.html", "channels", context)
    return screen(request, "channel_edit.html", "channels", context)


urlpatterns: list[URLPattern] = [
    path("settings/", index, name="settings"),
    path("settings/agents/", agents, name="settings_agents"),
    path("settings/agents/new/", agent_new, name="settings_agent_new"),
    path("settings/agents/<int:pk>/", agent_edit, name="settings_agent_edit"),
    path("settings/agents/<int:pk>/disable/", agent_disable, name="settings_agent_disable"),
    path("settings/agents/<int:pk>/enable/", agent_enable, name="settings_agent_enable"),
    path("settings/groups/", groups, name="settings_groups"),
    path("settings/groups/<int:pk>/", group_edit, name="settings_group_edit"),
    path("settings/channels/", channels, name="settings_channels"),
    path("settings/channels/<int:pk>/", channel_edit, name="settings_channel_edit"),
    *settings_catalog.urlpatterns,
    *settings_hours.urlpatterns,
    *settings_rules.urlpatterns,
    *settings_sla.urlpatterns,
]
