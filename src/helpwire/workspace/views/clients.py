"""The client card [CL1 CL4 CL7]: identities, company, internal flag, responsible agent,
every ticket across channels, merge."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from helpwire.accounts.models import Agent
from helpwire.clients import actions
from helpwire.clients.models import Client, Company, IdentityKind
from helpwire.tickets import selectors
from helpwire.workspace.views.common import actor, agent_view, error_text, page, viewer
from helpwire.workspace.views.queues import sidebar


def _client(pk: int) -> Client:
    client = (Client.objects.select_related("company", "responsible", "merged_into")
              .prefetch_related("identities").filter(pk=pk).first())
    if client is None:
        raise Http404(_("No such client."))
    return client


@agent_view("client.view")
def client_card(request: HttpRequest, pk: int) -> HttpResponse:
    client = _client(pk)
    if client.merged_into_id:
        return redirect("workspace:client", pk=client.merged_into_id)
    tickets = (selectors.ticket_queryset(viewer=viewer(request)).filter(client=client)
               .select_related("channel", "assignee").order_by("-created_at")[:200])
    return page(request, "workspace/client.html", {
        "client": client, "tickets": tickets, "identity_kinds": IdentityKind.choices,
        "companies": Company.objects.order_by("name"),
        "agents": Agent.objects.filter(is_active=True).order_by("name"),
        **sidebar(request),
    })


@agent_view("client.edit")
@require_POST
def client_update(request: HttpRequest, pk: int) -> HttpResponse:
    client = _client(pk)
    post = request.POST
    try:
        if post.get("action") == "add_identity":
            actions.add_identity(client=client, kind=post.get("kind", ""),
                                 value=post.get("value", ""), actor=actor(request))
        elif post.get("action") == "remove_identity":
            identity = client.identities.filter(pk=post.get("identity") or 0).first()
            if identity is not None:
                actions.remove_identity(identity=identity, actor=actor(request))
        else:
            company = Company.objects.filter(pk=post.get("company") or 0).first()
            responsible = Agent.objects.filter(pk=post.get("responsible") or 0).first()
            actions.update_client(client=client, actor=actor(request),
                                  name=post.get("name", client.name).strip(),
                                  is_internal=post.get("is_internal") == "on",
                                  company=company, responsible=responsible,
                                  note=post.get("note", client.note))
        messages.success(request, _("Saved."))
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, error_text(exc))
    return redirect("workspace:client", pk=pk)


@agent_view("client.merge")
@require_POST
def client_merge(request: HttpRequest, pk: int) -> HttpResponse:
    target = _client(pk)
    raw = (request.POST.get("source") or "").strip()
    source = Client.objects.filter(pk=int(raw)).first() if raw.isdigit() and len(raw) < 18 \
        else None
    try:
        if source is None:
            raise ValidationError(_("No client with id %(id)s.") % {"id": raw})
        actions.merge_clients(source=source, target=target, actor=actor(request))
        messages.success(request, _("Merged."))
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, error_text(exc))
    return redirect("workspace:client", pk=pk)
