"""Login (rate-limited), logout, password reset by email, and personal preferences."""

from __future__ import annotations

import zoneinfo
from typing import Any
from urllib.parse import urlsplit

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from helpwire.core.ratelimit import client_ip, failed, succeeded, too_many, wait_left
from helpwire.workspace.views.common import agent_view, page, viewer


class Throttled:
    """Login, slowed down per address and per IP after a few failures (never locked) — the
    workspace's and the Django admin's alike."""

    data: Any
    request: Any

    def clean(self) -> dict[str, Any]:
        email = (self.data.get("username") or "").strip().lower()
        ip = client_ip(self.request)
        pair = f"{email} {ip}"
        # Per address from this IP (the person at his desk), per IP (one guesser, many
        # addresses), per address from anywhere (many guessers, one address: a high bar, so
        # strangers cannot keep the real person out).
        wait = max(wait_left(scope="login-pair", key=pair),
                   wait_left(scope="login-ip", key=ip),
                   wait_left(scope="login-email", key=email))
        if wait:
            raise forms.ValidationError(
                _("Too many failed attempts. Try again in %(seconds)s seconds."),
                code="rate_limited", params={"seconds": wait})
        try:
            data = super().clean()  # type: ignore[misc]
        except forms.ValidationError:
            failed(scope="login-pair", key=pair)
            failed(scope="login-ip", key=ip, free=20)
            failed(scope="login-email", key=email, free=30)
            raise
        succeeded(scope="login-pair", key=pair)
        return data


class LoginForm(Throttled, AuthenticationForm):
    pass


class AdminLoginForm(Throttled, AdminAuthenticationForm):
    pass


class LoginView(auth_views.LoginView):
    template_name = "workspace/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class ResetForm(PasswordResetForm):
    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        if too_many(scope="reset-email", key=email, limit=3, window=3600):
            raise forms.ValidationError(_("A reset link was sent recently; check your mail."),
                                        code="rate_limited")
        return email


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "workspace/password_reset.html"
    email_template_name = "workspace/email/password_reset.txt"
    subject_template_name = "workspace/email/password_reset_subject.txt"
    form_class = ResetForm
    success_url = reverse_lazy("workspace:password_reset_done")

    @property
    def extra_email_context(self) -> dict[str, str]:  # type: ignore[override]
        """The link is built from HELPWIRE_BASE_URL, never from the request's Host header
        (which an attacker chooses: reset-link poisoning)."""
        base = urlsplit(settings.HELPWIRE_BASE_URL)
        return {"protocol": base.scheme or "http", "domain": base.netloc}

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if too_many(scope="reset-ip", key=client_ip(request), limit=20, window=3600):
            return page(request, self.template_name,
                        {"form": self.get_form(), "limited": True}, status=429)
        return super().post(request, *args, **kwargs)


class PreferencesForm(forms.Form):
    language = forms.ChoiceField(label=gettext_lazy("Language"), choices=settings.LANGUAGES)
    time_zone = forms.ChoiceField(label=gettext_lazy("Time zone"))
    is_away = forms.BooleanField(
        label=gettext_lazy("I am away"), required=False,
        help_text=gettext_lazy("Rules that hand out tickets in turn or to the least busy "
                               "skip you until you untick this."))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        zones = sorted(z for z in zoneinfo.available_timezones() if "/" in z)
        self.fields["time_zone"].choices = [(z, z) for z in zones]  # type: ignore[attr-defined]


@agent_view()
def preferences(request: HttpRequest) -> HttpResponse:
    agent = viewer(request)
    initial = {"language": agent.language or settings.LANGUAGE_CODE,
               "time_zone": agent.time_zone or settings.TIME_ZONE, "is_away": agent.is_away}
    form = PreferencesForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        agent.language = form.cleaned_data["language"]
        agent.time_zone = form.cleaned_data["time_zone"]
        agent.is_away = form.cleaned_data["is_away"]
        agent.save(update_fields=["language", "time_zone", "is_away"])
        messages.success(request, _("Saved."))
        return redirect("workspace:preferences")
    return page(request, "workspace/preferences.html", {"form": form})
