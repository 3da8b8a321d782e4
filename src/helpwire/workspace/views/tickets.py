"""The ticket page and its actions. Every POST calls an action; htmx gets the re-rendered
ticket body back, a plain form post is redirected to the page."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from helpwire.accounts.models import Agent, Group
from helpwire.accounts.permissions import may_see_contacts
from helpwire.automation.models import ReplyTemplate
from helpwire.automation.replies import reply_with_templates
from helpwire.connectors.models import Channel, ChannelKind
from helpwire.connectors.types import InboundAttachment, InboundMessage, Sender
from helpwire.conversations import ingest
from helpwire.conversations.outbound import reply_channels
from helpwire.conversations.rendering import render as render_template
from helpwire.conversations.rendering import variables
from helpwire.core.forms import valid_id
from helpwire.mail.models import RawMail
from helpwire.reports.models import Rating
from helpwire.sla import tracking as sla_tracking
from helpwire.sla.models import SlaPolicy
from helpwire.tickets import fields as ticket_fields
from helpwire.tickets import inputs, selectors
from helpwire.tickets import tags as tag_tree
from helpwire.tickets.access import channel_open_to, visible_clients, visible_tickets
from helpwire.tickets.actions import TicketChanged, clear_reminder, set_reminder, update_ticket
from helpwire.tickets.merge import DifferentClients, merge_tickets
from helpwire.tickets.models import (
    Attachment,
    CustomField,
    FieldKind,
    Message,
    Priority,
    Status,
    Tag,
    Ticket,
    TicketType,
)
from helpwire.workspace.forms import NewTicketForm
from helpwire.workspace.rule_forms import actions_in_words
from helpwire.workspace.views.common import (
    actor,
    agent_view,
    error_text,
    is_htmx,
    page,
    viewer,
)
from helpwire.workspace.views.mailboxes import raw_mail_download
from helpwire.workspace.views.queues import sidebar

SETTABLE = [(s, label) for s, label in Status.choices if s not in ("new", "merged")]
# History lines shown inside the conversation, in grey, where they happened.
TIMELINE_FIELDS = {"status": gettext_lazy("status"), "assignee": gettext_lazy("assignee"),
                   "group": gettext_lazy("group"), "merged": gettext_lazy("merged in"),
                   "merged_into": gettext_lazy("merged into"),
                   "client": gettext_lazy("client"), "rating": gettext_lazy("rating"),
                   "rating_excluded": gettext_lazy("rating excluded")}


def timeline(ticket: Ticket) -> list[tuple[str, Any]]:
    """Messages and the main changes in time order (both come prefetched)."""
    items: list[tuple[Any, int, str, Any]] = [
        (m.created_at, 0, "message", m) for m in ticket.messages.all()]
    items += [(c.created_at, 1, "change", c) for c in ticket.history.all()
              if c.field in TIMELINE_FIELDS]
    items.sort(key=lambda item: (item[0], item[1]))
    return [(kind, obj) for _at, _order, kind, obj in items]


def _context(request: HttpRequest, ticket: Ticket) -> dict[str, Any]:
    agent = viewer(request)
    others = list(selectors.ticket_queryset(viewer=agent).filter(client=ticket.client)
                  .exclude(pk=ticket.pk).select_related("channel").order_by("-created_at")[:20])
    values = ticket_fields.current(ticket)
    field_rows = [{"field": f, "value": values.get(f.key)}
                  for f in ticket_fields.for_channel(ticket.channel_id)]
    channels = [c for c in reply_channels(ticket) if c.pk == ticket.channel_id
                or channel_open_to(agent, c)]
    return {
        "ticket": ticket,
        "sla_clocks": sla_tracking.panel(ticket),
        "sla_policies": SlaPolicy.objects.order_by("name"),
        "ratings": list(Rating.objects.filter(ticket=ticket).exclude(grade="")
                        .select_related("agent").order_by("-rated_at")),
        "timeline": timeline(ticket),
        "timeline_fields": TIMELINE_FIELDS,
        "contacts": may_see_contacts(agent),
        "other_tickets": others,
        "merge_candidates": [t for t in others if t.status != Status.MERGED],
        "field_rows": field_rows,
        "field_labels": {f.key: f.label for f in CustomField.objects.all()},
        "statuses": SETTABLE,
        "priorities": Priority.choices,
        "types": TicketType.choices,
        "agents": Agent.objects.filter(is_active=True).order_by("name"),
        "groups": Group.objects.order_by("name"),
        "tag_tree": Tag.objects.order_by("path"),
        "ticket_tags": {t.pk for t in ticket.tags.all()},
        "reply_channels": channels,
        "FieldKind": FieldKind,
        "editable": ticket.status != Status.MERGED,
        "reminder_presets": inputs.PRESETS,
    }


def _respond(request: HttpRequest, ticket_id: int, error: str = "",
             status: int = 400, extra: dict[str, Any] | None = None,
             where: str = "props") -> HttpResponse:
    """The re-rendered ticket body; an error shows where the agent acted (the reply box's
    errors above the conversation, the panel's in the panel). A ticket the agent just moved
    out of his sight (another group) sends him back to his queues, saying so."""
    try:
        ticket = selectors.ticket_detail(viewer=viewer(request), pk=ticket_id)
    except Http404:
        if error:
            raise
        messages.info(request, _("Done. The ticket is now in a group you do not see."))
        if is_htmx(request):
            return HttpResponse(status=204, headers={"HX-Redirect": reverse("workspace:home")})
        return redirect("workspace:home")
    if is_htmx(request):
        context = {**_context(request, ticket), "error": error, "error_in": where,
                   **(extra or {})}
        return page(request, "workspace/_ticket_body.html", context,
                    status=status if error else 200)
    if error:
        messages.error(request, error)
    return redirect("workspace:ticket", pk=ticket_id)


@agent_view("ticket.view")
def ticket_page(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = selectors.ticket_detail(viewer=viewer(request), pk=pk)
    return page(request, "workspace/ticket.html",
                {**_context(request, ticket), **sidebar(request)})


@agent_view("ticket.create")
def ticket_new(request: HttpRequest) -> HttpResponse:
    """Record a call or a walk-in as a ticket, through the one intake path."""
    agent = viewer(request)
    initial = {}
    picked = None
    wanted = valid_id(request.GET.get("client", ""))
    if wanted is not None:
        picked = visible_clients(agent).filter(pk=wanted, merged_into__isnull=True).first()
        if picked is not None:
            initial["client"] = picked.pk
    form = NewTicketForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            result = ingest(InboundMessage(
                channel_id=Channel.builtin(ChannelKind.MANUAL).pk,
                sender=Sender(name=data["name"], email=data["email"], phone=data["phone"]),
                text=data["message"], subject=data["subject"], client_id=data["client"],
                meta={"recorded": data["kind"]},
                ticket_defaults={"group_id": data["group"].pk if data["group"] else None,
                                 "assignee_id": data["assignee"].pk if data["assignee"]
                                 else None,
                                 "tags": form.tag_paths()},
            ), recorded_by=agent)
        except (ValidationError, PermissionDenied) as exc:
            form.add_error(None, error_text(exc))
        else:
            messages.success(request, _("Ticket #%(number)s created.")
                             % {"number": result.ticket.number})
            return redirect("workspace:ticket", pk=result.ticket.pk)
    posted = valid_id(form.data.get("client", "")) if request.method == "POST" else None
    if posted is not None:
        picked = visible_clients(agent).filter(pk=posted).first()
    return page(request, "workspace/ticket_new.html", {
        "form": form, "picked": picked,
        "tag_paths": Tag.objects.order_by("path").values_list("path", flat=True),
        **sidebar(request)}, status=400 if request.method == "POST" else 200)


@agent_view("ticket.view")
def ticket_by_number(request: HttpRequest, number: int) -> HttpResponse:
    found = visible_tickets(viewer(request)).filter(number=number).values_list("pk", flat=True)
    if not found:
        raise Http404(_("No such ticket."))
    return redirect("workspace:ticket", pk=found[0])


def _files(request: HttpRequest) -> list[InboundAttachment]:
    return [InboundAttachment(filename=f.name or "attachment", content=f.read(),
                              content_type=f.content_type or "application/octet-stream")
            for f in request.FILES.getlist("files")[:10]]


@agent_view("ticket.edit")
@require_POST
def ticket_reply(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = selectors.visible_ticket(viewer=viewer(request), pk=pk)
    try:
        form = inputs.ReplyForm(request.POST)
        reply_with_templates(ticket=ticket, actor=actor(request), files=_files(request),
                             template_ids=form.template_ids(), **form.values())
    except (ValidationError, PermissionDenied) as exc:
        return _respond(request, pk, error_text(exc), where="conversation")
    return _respond(request, pk)


def _field_values(request: HttpRequest, ticket: Ticket) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for field in ticket_fields.for_channel(ticket.channel_id):
        name = f"field_{field.key}"
        if field.kind == FieldKind.CHECKBOX:
            if f"{name}__present" in request.POST:
                out[field.key] = request.POST.get(name) == "on"
        elif field.kind == FieldKind.NESTED:
            if name in request.POST:
                raw = request.POST.get(name, "")
                out[field.key] = tag_tree.levels(raw) or None
        elif name in request.POST:
            out[field.key] = request.POST.get(name, "")
    return out


@agent_view("ticket.edit")
@require_POST
def ticket_update(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = selectors.visible_ticket(viewer=viewer(request), pk=pk)
    post = request.POST
    names = ("subject", "status", "priority", "type", "assignee", "group")
    try:
        form = inputs.TicketChangeForm(
            {k: post[k] for k in names if k in post},
            add_tags=post.getlist("add_tag"), remove_tags=post.getlist("remove_tag"),
            field_values=_field_values(request, ticket),
            expected={k: post[f"expected_{k}"] for k in names if f"expected_{k}" in post},
            expected_fields={k[len("expected_field_"):]: v for k, v in post.items()
                             if k.startswith("expected_field_")})
        update_ticket(ticket=ticket, actor=actor(request), **form.values())
    except TicketChanged as exc:
        return _respond(request, pk, error_text(exc), status=409)
    except (ValidationError, PermissionDenied) as exc:
        return _respond(request, pk, error_text(exc))
    return _respond(request, pk)


@agent_view("ticket.assign")
@require_POST
def ticket_take(request: HttpRequest, pk: int) -> HttpResponse:
    """"Take it" on an unassigned row: refused if someone took it meanwhile."""
    agent = viewer(request)
    ticket = selectors.visible_ticket(viewer=agent, pk=pk)
    try:
        update_ticket(ticket=ticket, actor=actor(request), assignee=agent,
                      expected={"assignee": None})
    except TicketChanged:
        ticket.refresh_from_db()
        text = _("Ticket #%(number)s was taken by %(name)s meanwhile.") % {
            "number": ticket.number, "name": ticket.assignee or "—"}
        return HttpResponse(f'<span class="error" role="alert">{escape(text)}</span>',
                            headers={"HX-Trigger": "live-rows"})
    except (ValidationError, PermissionDenied) as exc:
        return HttpResponse(f'<span class="error" role="alert">{escape(error_text(exc))}</span>')
    text = _("Ticket #%(number)s is yours.") % {"number": ticket.number}
    return HttpResponse(f"<span>{escape(text)}</span>",
                        headers={"HX-Trigger": "live-rows, live-counts"})


@agent_view("ticket.edit")
@require_POST
def ticket_reminder(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = selectors.visible_ticket(viewer=viewer(request), pk=pk)
    try:
        if request.POST.get("clear"):
            clear_reminder(ticket=ticket, actor=actor(request))
        else:
            set_reminder(ticket=ticket, actor=actor(request),
                         **inputs.ReminderForm(request.POST).values())
    except (ValidationError, PermissionDenied) as exc:
        return _respond(request, pk, error_text(exc))
    return _respond(request, pk)


@agent_view("ticket.merge")
@require_POST
def ticket_merge(request: HttpRequest, pk: int) -> HttpResponse:
    agent = viewer(request)
    target = selectors.visible_ticket(viewer=agent, pk=pk)
    try:
        # The ticked boxes and the number box share the name; an empty box is no choice.
        sources = []
        for raw in [r for r in request.POST.getlist("source") if r.strip()]:
            text = raw.strip().lstrip("#")
            source = (visible_tickets(agent).filter(number=int(text)).first()
                      if text.isdigit() and len(text) < 18 else None)
            if source is None:
                raise ValidationError(_("No ticket #%(number)s.") % {"number": raw})
            sources.append(source)
        merge_tickets(target=target, sources=sources, actor=actor(request),
                      allow_other_clients=request.POST.get("allow_other_clients") == "on")
    except DifferentClients as exc:
        # Ask, naming both clients; the same choice comes back with the confirmation.
        confirm = {"sources": [s.number for s in sources], "names": exc.names}
        return _respond(request, pk, error_text(exc), extra={"merge_confirm": confirm})
    except (ValidationError, PermissionDenied) as exc:
        return _respond(request, pk, error_text(exc))
    return _respond(request, pk)


@agent_view("ticket.view")
def ticket_templates(request: HttpRequest, pk: int) -> HttpResponse:
    """The template picker: sections as a tree, a search box, variables filled in."""
    ticket = selectors.visible_ticket(viewer=viewer(request), pk=pk)
    q = request.GET.get("q", "").strip()
    templates = list(ReplyTemplate.objects.filter(is_active=True))
    if q:
        # Python, not SQL: SQLite folds case only for Latin letters.
        templates = [t for t in templates
                     if q.casefold() in f"{t.section} {t.title} {t.body}".casefold()]
    values = variables(ticket=ticket, agent=viewer(request))
    rows = [{"template": t, "text": render_template(t.body, values),
             "actions": actions_in_words(t.actions)} for t in templates][:100]
    return page(request, "workspace/_templates.html", {"ticket": ticket, "rows": rows, "q": q})


@agent_view("ticket.view")
def ticket_fragment(request: HttpRequest, pk: int) -> HttpResponse:
    """The ticket body alone, for live refreshes."""
    ticket = selectors.ticket_detail(viewer=viewer(request), pk=pk)
    return page(request, "workspace/_ticket_body.html", _context(request, ticket))


@agent_view("ticket.view")
def message_original(request: HttpRequest, pk: int) -> HttpResponse:
    """An email as it arrived ("show original"), for whoever may see its ticket."""
    message = Message.objects.filter(pk=pk).first()
    if message is None:
        raise Http404(_("No such message."))
    selectors.visible_ticket(viewer=viewer(request), pk=message.ticket_id)
    raw_mail = RawMail.objects.filter(message=message).order_by("pk").first()
    if raw_mail is None:
        raise Http404(_("No original is kept for this message."))
    return raw_mail_download(raw_mail)


@agent_view("ticket.view")
def attachment(request: HttpRequest, pk: str) -> HttpResponseBase:
    """Every download checks the ticket's permission; files are never rendered inline
    (CHECKLIST 8)."""
    item = Attachment.objects.select_related("message").filter(pk=pk).first()
    if item is None or not item.file:
        raise Http404(_("No such file."))
    selectors.visible_ticket(viewer=viewer(request), pk=item.message.ticket_id)
    inline = request.GET.get("preview") == "1" and item.content_type in (
        "image/png", "image/jpeg", "image/gif", "image/webp")
    response = FileResponse(item.file.open("rb"), as_attachment=not inline,
                            filename=item.filename,
                            content_type=item.content_type if inline else
                            "application/octet-stream")
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
