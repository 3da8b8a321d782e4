"""Settings screens for email mailboxes [CH1]: the list with each mailbox's health, the
form (through ``mail.actions``), a connection test that saves nothing, and the quarantine —
mail that could not be taken in, to take in again or download as it arrived. Admins only.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import URLPattern, path, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from helpwire.mail import intake
from helpwire.mail.actions import create_mailbox, release, test_connection, update_mailbox
from helpwire.mail.models import Mailbox, RawMail, RawState
from helpwire.workspace.mail_forms import MailboxForm
from helpwire.workspace.settings_forms import TEMPLATE_VARIABLES
from helpwire.workspace.views.common import actor, agent_view, error_text
from helpwire.workspace.views.mailbox_oauth import redirect_uri
from helpwire.workspace.views.settings_catalog import MANAGE, invalid, screen

PER_PAGE = 25


def _quarantined() -> Any:
    return RawMail.objects.filter(state=RawState.QUARANTINED)


@agent_view(MANAGE)
def mailboxes(request: HttpRequest) -> HttpResponse:
    rows = Mailbox.objects.select_related("channel", "channel__default_group").order_by(
        "address")
    return screen(request, "mailboxes.html", "mailboxes", {
        "mailboxes": rows, "quarantined": _quarantined().count()})


def _form_page(form: MailboxForm, mailbox: Mailbox | None, **extra: Any) -> dict[str, Any]:
    return {"form": form, "mailbox": mailbox, "variables": TEMPLATE_VARIABLES,
            "oauth_redirect": redirect_uri(), **extra}


def _save(request: HttpRequest, form: MailboxForm, mailbox: Mailbox | None) -> Mailbox:
    data = form.cleaned_data
    if mailbox is None:
        return create_mailbox(actor=actor(request), address=data["address"], name=data["name"],
                              group=data["group"], imap_password=data["imap_password"],
                              smtp_password=data["smtp_password"],
                              oauth_client_secret=data["oauth_client_secret"],
                              **form.settings())
    return update_mailbox(actor=actor(request), mailbox=mailbox,
                          name=data["name"] or mailbox.address, group=data["group"],
                          imap_password=form.new_password("imap"),
                          smtp_password=form.new_password("smtp"),
                          oauth_client_secret=form.new_password("oauth_client"),
                          **form.settings())


@agent_view(MANAGE)
def mailbox_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    mailbox = (get_object_or_404(Mailbox.objects.select_related("channel"), pk=pk)
               if pk is not None else None)
    form = MailboxForm(request.POST or None, mailbox=mailbox)
    if request.method == "POST":
        if form.is_valid():
            try:
                saved = _save(request, form, mailbox)
            except ValidationError as exc:
                form.add_action_error(exc)
            else:
                if mailbox is None:
                    text = _("Mailbox %(address)s added.")
                else:
                    text = _("Mailbox %(address)s saved.")
                messages.success(request, text % {"address": saved.address})
                return redirect("workspace:settings_mailboxes")
        return invalid(request, "mailbox_form.html", "mailboxes", _form_page(form, mailbox))
    return screen(request, "mailbox_form.html", "mailboxes", _form_page(form, mailbox))


@agent_view(MANAGE)
@require_POST
def mailbox_test(request: HttpRequest, pk: int) -> HttpResponse:
    """Log in with the settings as typed in the form (a password left empty: the stored
    one), on an unsaved copy: nothing is written, not even the mailbox's health."""
    mailbox = get_object_or_404(Mailbox.objects.select_related("channel"), pk=pk)
    form = MailboxForm(request.POST, mailbox=mailbox)
    if not form.is_valid():
        return invalid(request, "mailbox_form.html", "mailboxes",
                       _form_page(form, mailbox))
    probe = form.apply_to(Mailbox.objects.get(pk=mailbox.pk))
    report = test_connection(mailbox=probe)
    return screen(request, "mailbox_form.html", "mailboxes",
                  _form_page(form, mailbox, report=report))


# --- quarantine --------------------------------------------------------------------------------


@agent_view(MANAGE)
def quarantine(request: HttpRequest) -> HttpResponse:
    rows = _quarantined().select_related("mailbox").order_by("-received_at", "-pk")
    listing = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    released = None
    if (request.GET.get("released") or "").isdigit():
        released = (RawMail.objects.select_related("mailbox", "message")
                    .filter(pk=int(request.GET["released"])).first())
    return screen(request, "quarantine.html", "mailboxes",
                  {"listing": listing, "released": released})


@agent_view(MANAGE)
@require_POST
def quarantine_release(request: HttpRequest, pk: int) -> HttpResponse:
    raw_mail = get_object_or_404(RawMail.objects.select_related("mailbox"), pk=pk)
    target = reverse("workspace:settings_quarantine")
    try:
        release(actor=actor(request), raw_mail=raw_mail)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
        return redirect(target)
    except OSError as exc:  # the kept file is gone or unreadable: say so, change nothing
        messages.error(request, _("The original could not be read: %(error)s")
                       % {"error": exc.strerror or exc})
        return redirect(target)
    query = {"released": raw_mail.pk}
    if (request.GET.get("page") or "").isdigit():
        query["page"] = int(request.GET["page"])
    return redirect(f"{target}?{urlencode(query)}")


@agent_view(MANAGE)
def quarantine_original(request: HttpRequest, pk: int) -> HttpResponse:
    """The mail's bytes exactly as they arrived, always as a download."""
    return raw_mail_download(get_object_or_404(RawMail, pk=pk))


def raw_mail_download(raw_mail: RawMail) -> HttpResponse:
    try:
        raw = intake.read_raw(raw_mail)
    except FileNotFoundError as exc:
        raise Http404(_("No such file.")) from exc
    response = HttpResponse(raw, content_type="message/rfc822")
    response["Content-Disposition"] = f'attachment; filename="mail-{raw_mail.pk}.eml"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


urlpatterns: list[URLPattern] = [
    path("settings/mailboxes/", mailboxes, name="settings_mailboxes"),
    path("settings/mailboxes/new/", mailbox_edit, name="settings_mailbox_new"),
    path("settings/mailboxes/<int:pk>/", mailbox_edit, name="settings_mailbox_edit"),
    path("settings/mailboxes/<int:pk>/test/", mailbox_test, name="settings_mailbox_test"),
    path("settings/mailboxes/quarantine/", quarantine, name="settings_quarantine"),
    path("settings/mailboxes/quarantine/<int:pk>/release/", quarantine_release,
         name="settings_quarantine_release"),
    path("settings/mailboxes/quarantine/<int:pk>/original/", quarantine_original,
         name="settings_quarantine_original"),
]
