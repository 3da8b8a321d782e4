"""Signing a mailbox in with its provider (OAuth2 authorization code flow) [CH1]: the admin
is sent to the provider's consent page and comes back to the callback with a code, which
is exchanged for tokens kept (encrypted) on the mailbox. The ``state`` is signed, names the
mailbox and the admin, and expires in ten minutes: a callback cannot be forged or replayed
by someone else."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from helpwire.mail import oauth
from helpwire.mail.models import Mailbox
from helpwire.workspace.views.common import agent_view, viewer

SALT = "helpwire.mail.oauth"


class CallbackForm(forms.Form):
    state = forms.CharField(max_length=2000)
    code = forms.CharField(max_length=4000, required=False)
    error = forms.CharField(max_length=200, required=False)
    error_description = forms.CharField(max_length=2000, required=False)


def redirect_uri() -> str:
    return settings.HELPWIRE_BASE_URL.rstrip("/") + reverse("workspace:mailbox_oauth_callback")


def _edit_url(mailbox_id: int) -> str:
    return reverse("workspace:settings_mailbox_edit", args=[mailbox_id])


@require_POST
@agent_view("settings.manage")
def start(request: HttpRequest, pk: int) -> HttpResponse:
    mailbox = Mailbox.objects.filter(pk=pk).first()
    if mailbox is None:
        raise Http404(_("No such mailbox."))
    if not mailbox.oauth_client_id or not oauth.provider(mailbox).authorize_url:
        messages.error(request, _("Enter the provider and the app's client id first."))
        return redirect(_edit_url(pk))
    state = signing.dumps({"m": mailbox.pk, "a": viewer(request).pk}, salt=SALT)
    return HttpResponseRedirect(oauth.authorize_url(mailbox, state=state,
                                                    redirect_uri=redirect_uri()))


@agent_view("settings.manage")
def callback(request: HttpRequest) -> HttpResponse:
    form = CallbackForm(request.GET)
    if not form.is_valid():
        raise Http404(_("This sign-in link is not valid."))
    try:
        state = signing.loads(form.cleaned_data["state"], salt=SALT, max_age=600)
    except signing.BadSignature:
        raise Http404(_("This sign-in link is not valid or has expired.")) from None
    mailbox = Mailbox.objects.filter(pk=state.get("m")).first()
    if mailbox is None or state.get("a") != viewer(request).pk:
        raise Http404(_("This sign-in link is not valid or has expired."))
    if form.cleaned_data["error"] or not form.cleaned_data["code"]:
        messages.error(request, _("The provider refused: %(why)s") % {
            "why": form.cleaned_data["error_description"] or form.cleaned_data["error"]})
        return redirect(_edit_url(mailbox.pk))
    try:
        oauth.exchange_code(mailbox, code=form.cleaned_data["code"], redirect_uri=redirect_uri())
    except oauth.OAuthError as exc:
        messages.error(request, _("Signing in failed: %(why)s") % {"why": exc})
    else:
        messages.success(request, _("Signed in: the mailbox now uses OAuth2."))
    return redirect(_edit_url(mailbox.pk))


urlpatterns: list[URLPattern] = [
    path("settings/mailboxes/<int:pk>/oauth/", start, name="mailbox_oauth_start"),
    path("settings/mailboxes/oauth/callback/", callback, name="mailbox_oauth_callback"),
]
