"""The client card [CL1 CL4 CL7]: identities, company, internal flag, responsible agent,
every ticket across channels, merge."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from helpwire.accounts.models import Agent
from helpwire.clients import actions
from helpwire.clients.models import Client, Company, IdentityKind
from helpwire.core.forms import IdChoiceField, IdField
from helpwire.tickets import selectors
from helpwire.tickets.access import visible_clients
from helpwire.workspace.views.common import (
    actor,
    agent_view,
    error_text,
    form_problems,
    page,
    viewer,
)
from helpwire.workspace.views.queues import sidebar


def _client(request: HttpRequest, pk: int) -> Client:
    """A card the viewer may see, else 404 (an id reveals nothing)."""
    client = (visible_clients(viewer(request))
              .select_related("company", "responsible", "merged_into")
              .prefetch_related("identities").filter(pk=pk).first())
    if client is None:
        raise Http404(_("No such client."))
    return client


class CardForm(forms.Form):
    name = forms.CharField(required=False, max_length=200)
    company = IdChoiceField(required=False, queryset=Company.objects.all())
    responsible = IdChoiceField(required=False, queryset=Agent.objects.filter(is_active=True))
    is_internal = forms.BooleanField(required=False)
    note = forms.CharField(required=False, max_length=10_000)


class IdentityAddForm(forms.Form):
    kind = forms.ChoiceField(choices=IdentityKind.choices)
    value = forms.CharField(max_length=255)


class IdentityRemoveForm(forms.Form):
    identity = IdField()


class MergeForm(forms.Form):
    source = IdField(error_messages={"required": gettext_lazy("Choose the duplicate card.")})


def _card(request: HttpRequest, client: Client, status: int = 200) -> HttpResponse:
    tickets = (selectors.ticket_queryset(viewer=viewer(request)).filter(client=client)
               .select_related("channel", "assignee").order_by("-created_at")[:200])
    return page(request, "workspace/client.html", {
        "client": client, "tickets": tickets, "identity_kinds": IdentityKind.choices,
        "companies": Company.objects.order_by("name"),
        "agents": Agent.objects.filter(is_active=True).order_by("name"),
        **sidebar(request),
    }, status=status)


def _refused(request: HttpRequest, client: Client, exc: Exception | str) -> HttpResponse:
    """Say what was wrong on the card itself, with a 400 — never a 500, nothing written."""
    text = exc if isinstance(exc, str) else error_text(exc)  # type: ignore[arg-type]
    messages.error(request, text)
    return _card(request, client, status=400)


@agent_view("client.view")
def client_card(request: HttpRequest, pk: int) -> HttpResponse:
    client = _client(request, pk)
    if client.merged_into_id:
        return redirect("workspace:client", pk=client.merged_into_id)
    return _card(request, client)


@agent_view("client.edit")
@require_POST
def client_update(request: HttpRequest, pk: int) -> HttpResponse:
    client = _client(request, pk)
    action = request.POST.get("action", "")
    form: forms.Form = (IdentityAddForm(request.POST) if action == "add_identity"
                        else IdentityRemoveForm(request.POST) if action == "remove_identity"
                        else CardForm(request.POST))
    if not form.is_valid():
        return _refused(request, client, form_problems(form))
    data = form.cleaned_data
    try:
        if isinstance(form, IdentityAddForm):
            actions.add_identity(client=client, kind=data["kind"], value=data["value"],
                                 actor=actor(request))
        elif isinstance(form, IdentityRemoveForm):
            identity = client.identities.filter(pk=data["identity"]).first()
            if identity is not None:
                actions.remove_identity(identity=identity, actor=actor(request))
        else:
            actions.update_client(client=client, actor=actor(request),
                                  name=data["name"].strip() or client.name,
                                  is_internal=data["is_internal"], company=data["company"],
                                  responsible=data["responsible"], note=data["note"])
    except (ValidationError, PermissionDenied) as exc:
        return _refused(request, client, exc)
    messages.success(request, _("Saved."))
    return redirect("workspace:client", pk=pk)


@agent_view("client.merge")
@require_POST
def client_merge(request: HttpRequest, pk: int) -> HttpResponse:
    target = _client(request, pk)
    form = MergeForm(request.POST)
    if not form.is_valid():
        return _refused(request, target, form_problems(form))
    source = visible_clients(viewer(request)).filter(pk=form.cleaned_data["source"]).first()
    try:
        if source is None:
            raise ValidationError(_("No client with id %(id)s.")
                                  % {"id": form.cleaned_data["source"]})
        actions.merge_clients(source=source, target=target, actor=actor(request))
    except (ValidationError, PermissionDenied) as exc:
        return _refused(request, target, exc)
    messages.success(request, _("Merged."))
    return redirect("workspace:client", pk=pk)
