"""Settings screens for the ticket catalogue: tags, custom fields, reply templates [TK4 TK5
TK7]. Admins only; the writes are plain model writes on settings objects, one transaction
each. Also the page helper every settings screen shares."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from helpwire.automation import actions as rule_actions
from helpwire.automation.models import ReplyTemplate
from helpwire.conversations import rendering
from helpwire.tickets import tags as tag_tree
from helpwire.tickets.access import visible_tickets
from helpwire.tickets.models import TAG_SEPARATOR, CustomField, Tag
from helpwire.workspace.settings_forms import (
    TEMPLATE_VARIABLES,
    CustomFieldForm,
    ReplyTemplateForm,
    TagCreateForm,
    TagRenameForm,
)
from helpwire.workspace.views.common import actor, agent_view, error_text, page, viewer
from helpwire.workspace.views.queues import sidebar

MANAGE = "settings.manage"


def screen(request: HttpRequest, template: str, section: str, context: dict[str, Any],
           status: int = 200) -> HttpResponse:
    """A settings page: the workspace frame, the settings menu with ``section`` current.
    The sidebar's names (queues, counts, channels, saved_views) are taken: a page's own
    context must not use them."""
    return page(request, f"workspace/settings/{template}",
                {**context, "section": section, **sidebar(request)}, status=status)


def invalid(request: HttpRequest, template: str, section: str,
            context: dict[str, Any]) -> HttpResponse:
    """The same page again with the form's errors, answered 400 so tools notice."""
    return screen(request, template, section, context, status=400)


# --- tags --------------------------------------------------------------------------------------


def _tag_rows() -> list[dict[str, Any]]:
    tags = Tag.objects.annotate(ticket_count=Count("tickets", distinct=True),
                                child_count=Count("children", distinct=True)).order_by("path")
    return [{"tag": t, "depth": min(t.path.count(TAG_SEPARATOR), 4)} for t in tags]


@agent_view(MANAGE)
def tags(request: HttpRequest) -> HttpResponse:
    form = TagCreateForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            with transaction.atomic():
                existed = tag_tree.find(form.cleaned_data["path"]) is not None
                tag = tag_tree.ensure(form.cleaned_data["path"])
            if existed:
                messages.info(request, _("Tag “%(path)s” already exists.") % {"path": tag.path})
            else:
                messages.success(request, _("Tag “%(path)s” added.") % {"path": tag.path})
            return redirect("workspace:settings_tags")
        return invalid(request, "tags.html", "tags", {"form": form, "rows": _tag_rows()})
    return screen(request, "tags.html", "tags", {"form": form, "rows": _tag_rows()})


@agent_view(MANAGE)
def tag_edit(request: HttpRequest, pk: int) -> HttpResponse:
    tag = get_object_or_404(Tag, pk=pk)
    form = TagRenameForm(request.POST or None, tag=tag)
    context = {"tag": tag, "form": form, "is_leaf": not tag.children.exists(),
               "ticket_count": tag.tickets.count(), "subtree_count": tag_tree.subtree(tag).count()}
    if request.method == "POST":
        if form.is_valid():
            old = tag.path
            tag_tree.rename(tag=tag, name=form.cleaned_data["name"])
            messages.success(request, _("Tag “%(old)s” renamed to “%(new)s”.")
                             % {"old": old, "new": tag.path})
            return redirect("workspace:settings_tags")
        return invalid(request, "tag_edit.html", "tags", context)
    return screen(request, "tag_edit.html", "tags", context)


@agent_view(MANAGE)
@require_POST
def tag_delete(request: HttpRequest, pk: int) -> HttpResponse:
    tag = get_object_or_404(Tag, pk=pk)
    path_text = tag.path
    try:
        count = tag_tree.delete_tag(tag=tag, actor=actor(request))
    except ValidationError as exc:
        messages.error(request, error_text(exc))
        return redirect("workspace:settings_tag_edit", pk=tag.pk)
    messages.success(request, ngettext(
        "Tag “%(path)s” deleted; it was removed from %(count)s ticket.",
        "Tag “%(path)s” deleted; it was removed from %(count)s tickets.", count)
        % {"path": path_text, "count": count})
    return redirect("workspace:settings_tags")


# --- custom fields -----------------------------------------------------------------------------


@agent_view(MANAGE)
def fields(request: HttpRequest) -> HttpResponse:
    rows = CustomField.objects.prefetch_related("channels").order_by("position", "label")
    return screen(request, "fields.html", "fields", {"fields": rows})


@agent_view(MANAGE)
def field_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    field = get_object_or_404(CustomField, pk=pk) if pk is not None else None
    form = CustomFieldForm(request.POST or None, field=field)
    context = {"form": form, "field": field}
    if request.method == "POST":
        if not form.is_valid():
            return invalid(request, "field_edit.html", "fields", context)
        data = form.cleaned_data
        with transaction.atomic():
            target = field or CustomField()
            for name in ("key", "label", "kind", "options", "required", "is_active",
                         "position"):
                setattr(target, name, data[name])
            target.save()
            target.channels.set(data["channels"])
        if field is None:
            messages.success(request, _("Field “%(label)s” added.") % {"label": target.label})
        else:
            messages.success(request, _("Field “%(label)s” saved.") % {"label": target.label})
        return redirect("workspace:settings_fields")
    return screen(request, "field_edit.html", "fields", context)


# --- reply templates ---------------------------------------------------------------------------


@agent_view(MANAGE)
def templates(request: HttpRequest) -> HttpResponse:
    rows = ReplyTemplate.objects.order_by("section", "title")
    return screen(request, "templates.html", "templates", {"templates": rows})


@agent_view(MANAGE)
def template_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    template = get_object_or_404(ReplyTemplate, pk=pk) if pk is not None else None
    form = ReplyTemplateForm(request.POST or None, template=template)
    if template is None and request.GET.get("section"):
        form.initial["section"] = request.GET["section"][:300]
    context = {"form": form, "template": template, "variables": TEMPLATE_VARIABLES}
    if request.method == "POST":
        if not form.is_valid():
            return invalid(request, "template_edit.html", "templates", context)
        data = form.cleaned_data
        target = rule_actions.save_template(
            template=template or ReplyTemplate(),
            values={**{name: data[name] for name in ("section", "title", "body", "is_active")},
                    "actions": form.actions})
        if template is None:
            messages.success(request, _("Template “%(title)s” added.") % {"title": target.title})
        else:
            messages.success(request, _("Template “%(title)s” saved.") % {"title": target.title})
        return redirect("workspace:settings_templates")
    return screen(request, "template_edit.html", "templates", context)


class PreviewForm(forms.Form):
    body = forms.CharField(required=False, max_length=100_000)
    number = forms.IntegerField(required=False, min_value=1)


@agent_view(MANAGE)
def template_preview(request: HttpRequest) -> HttpResponse:
    """The template's text filled in for a ticket (the number typed, else the newest one the
    admin sees), and the variables that would come out empty there [TK7]."""
    form = PreviewForm(request.GET)
    data = form.cleaned_data if form.is_valid() else {}
    tickets = visible_tickets(viewer(request)).select_related("client", "group", "assignee")
    ticket = (tickets.filter(number=data["number"]).first() if data.get("number")
              else tickets.order_by("-created_at", "-pk").first())
    context: dict[str, Any] = {"ticket": ticket, "asked": data.get("number")}
    if ticket is not None:
        values = rendering.variables(ticket=ticket, agent=viewer(request),
                                     message=ticket.messages.order_by("-created_at").first())
        body = data.get("body") or ""
        context.update(text=rendering.render(body, values),
                       missing=rendering.missing(body, values),
                       unknown=rendering.unknown(body))
    return render(request, "workspace/settings/_template_preview.html", context)


@agent_view(MANAGE)
@require_POST
def template_delete(request: HttpRequest, pk: int) -> HttpResponse:
    template = get_object_or_404(ReplyTemplate, pk=pk)
    title = template.title
    try:
        rule_actions.delete_template(template=template)
    except rule_actions.TemplateInUse as e:
        messages.error(request, _("Rules reply with “%(title)s”: %(rules)s. Change those rules "
                                  "first, or untick “Active” to hide the template from "
                                  "agents.") % {"title": title, "rules": ", ".join(e.rules)})
        return redirect("workspace:settings_template_edit", pk)
    messages.success(request, _("Template “%(title)s” deleted.") % {"title": title})
    return redirect("workspace:settings_templates")


urlpatterns: list[URLPattern] = [
    path("settings/tags/", tags, name="settings_tags"),
    path("settings/tags/<int:pk>/", tag_edit, name="settings_tag_edit"),
    path("settings/tags/<int:pk>/delete/", tag_delete, name="settings_tag_delete"),
    path("settings/fields/", fields, name="settings_fields"),
    path("settings/fields/new/", field_edit, name="settings_field_new"),
    path("settings/fields/<int:pk>/", field_edit, name="settings_field_edit"),
    path("settings/templates/", templates, name="settings_templates"),
    path("settings/templates/new/", template_edit, name="settings_template_new"),
    path("settings/templates/<int:pk>/", template_edit, name="settings_template_edit"),
    path("settings/templates/preview/", template_preview, name="settings_template_preview"),
    path("settings/templates/<int:pk>/delete/", template_delete,
         name="settings_template_delete"),
]
