"""A ticket's SLA policy changed by hand from its page [SL3]: a supervisor's decision, so it
needs the role's ``sla.change`` (a plain agent gets the refusal in the panel); the change is
a history line and an ``sla.changed`` event (``sla.actions.set_ticket_policy``)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from helpwire.sla import actions
from helpwire.sla.models import METRICS, SlaPolicy, Source
from helpwire.tickets import selectors
from helpwire.workspace.views.common import actor, agent_view, error_text, viewer
from helpwire.workspace.views.tickets import _respond

GROUP = "group"


class TicketSlaForm(forms.Form):
    policy = forms.CharField(max_length=20)

    def clean_policy(self) -> SlaPolicy | None:
        value = self.cleaned_data["policy"]
        if value == GROUP:
            return None
        found = SlaPolicy.objects.filter(pk=int(value)).first() if value.isdigit() else None
        if found is None:
            raise ValidationError(_("No such SLA policy."), code="invalid_policy")
        return found


class TicketDueForm(forms.Form):
    metric = forms.ChoiceField(choices=[(m, m) for m in METRICS])
    due_at = forms.DateTimeField()  # read in the agent's own time zone


@agent_view("ticket.view")
@require_POST
def ticket_sla(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = selectors.visible_ticket(viewer=viewer(request), pk=pk)
    try:
        if "due_at" in request.POST:
            due = TicketDueForm(request.POST)
            if not due.is_valid():
                raise ValidationError(_("Choose the clock and the new deadline."))
            actions.set_ticket_due(ticket=ticket, actor=actor(request),
                                   metric=due.cleaned_data["metric"],
                                   due_at=due.cleaned_data["due_at"])
            return _respond(request, pk)
        form = TicketSlaForm(request.POST)
        if not form.is_valid():
            raise ValidationError(list(form.errors.get("policy") or [_("Choose a policy.")]))
        policy = form.cleaned_data["policy"]
        actions.set_ticket_policy(ticket=ticket, actor=actor(request), policy=policy,
                                  source=Source.MANUAL if policy is not None else Source.GROUP)
    except PermissionDenied:
        return _respond(request, pk, _("Changing a ticket's SLA is for supervisors: your role "
                                       "may not."), status=403)
    except ValidationError as exc:
        return _respond(request, pk, error_text(exc))
    return _respond(request, pk)


urlpatterns: list[URLPattern] = [
    path("tickets/<int:pk>/sla/", ticket_sla, name="ticket_sla"),
]
