"""Mailings [AU7]: the list with each mailing's progress, and a new mailing (checked, then
confirmed with the number of people it reaches). Sending is ``automation.mailings``."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import URLPattern, path
from django.utils.translation import gettext as _

from helpwire.automation import mailings
from helpwire.automation.models import Mailing
from helpwire.tickets.models import Tag
from helpwire.workspace.mailing_forms import MailingForm
from helpwire.workspace.views.common import agent_view, page, viewer
from helpwire.workspace.views.settings_catalog import invalid, screen

SEND = "mailing.send"
SHOWN = 50


@agent_view(SEND)
def mailing_list(request: HttpRequest) -> HttpResponse:
    form = MailingForm(request.POST or None)
    shown = list(Mailing.objects.select_related("job", "channel", "group", "created_by")[:SHOWN])
    sent = mailings.deliveries(shown)
    for m in shown:
        m.delivered = sent.get(m.pk, {})  # type: ignore[attr-defined]
    context = {"form": form, "mailings": shown,
               "tags": Tag.objects.order_by("path").values_list("path", flat=True)}
    if request.method != "POST":
        return screen(request, "mailings.html", "mailings", context)
    if not form.is_valid():
        return invalid(request, "mailings.html", "mailings", context)
    if not form.ready:
        # First step: say how many people this reaches, and ask.
        context["confirm"] = {"n": len(form.recipients), "sample": form.recipients[:10]}
        return screen(request, "mailings.html", "mailings", context)
    data = form.cleaned_data
    try:
        mailing = mailings.start_mailing(
            agent=viewer(request), name=data.get("name") or "", template=data["template"],
            channel=data["channel"], subject=data["subject"], addresses=form.recipients,
            group=data.get("group"), tag=data.get("tag") or "",
            source_tag=data.get("clients_of_tag") or "")
    except (ValidationError, PermissionDenied) as e:
        form.add_error(None, e if isinstance(e, ValidationError) else str(e))
        return invalid(request, "mailings.html", "mailings", context)
    messages.success(request, _("Mailing “%(name)s” started: %(n)s recipients.")
                     % {"name": mailing.name, "n": mailing.recipients})
    return redirect("workspace:mailings")


@agent_view(SEND)
def mailing_progress(request: HttpRequest, pk: int) -> HttpResponse:
    mailing = Mailing.objects.select_related("job").filter(pk=pk).first()
    if mailing is None:
        raise Http404
    mailing.delivered = mailings.deliveries([mailing]).get(mailing.pk, {})  # type: ignore[attr-defined]
    return page(request, "workspace/settings/_mailing_progress.html", {"m": mailing})


urlpatterns: list[URLPattern] = [
    path("mailings/", mailing_list, name="mailings"),
    path("mailings/<int:pk>/progress/", mailing_progress, name="mailing_progress"),
]
