"""A ticket's ratings on its page [RP1]: every agent sees the grade and comment; a
supervisor may take one out of the statistics with a reason, or put it back
(``reports.actions.exclude``: a history line and an event)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from helpwire.reports import actions
from helpwire.reports.models import Rating
from helpwire.tickets import selectors
from helpwire.workspace.views.common import actor, agent_view, error_text, viewer
from helpwire.workspace.views.tickets import _respond


class ExcludeForm(forms.Form):
    excluded = forms.BooleanField(required=False)
    reason = forms.CharField(required=False, max_length=500)


@agent_view("ticket.view")
@require_POST
def ticket_rating(request: HttpRequest, pk: int, rating_id: int) -> HttpResponse:
    ticket = selectors.visible_ticket(viewer=viewer(request), pk=pk)
    rating = get_object_or_404(Rating, pk=rating_id, ticket=ticket)
    form = ExcludeForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_("Say why the rating is excluded."))
        actions.exclude(actor=actor(request), rating_id=rating.pk,
                        excluded=form.cleaned_data["excluded"],
                        reason=form.cleaned_data["reason"])
    except PermissionDenied:
        return _respond(request, pk, _("Excluding a rating is for supervisors."), status=403)
    except ValidationError as exc:
        return _respond(request, pk, error_text(exc))
    return _respond(request, pk)


urlpatterns: list[URLPattern] = [
    path("tickets/<int:pk>/ratings/<int:rating_id>/", ticket_rating, name="ticket_rating"),
]
