"""The list filter form: the UI face of ``tickets.filters.TicketFilter``."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from helpwire.accounts.models import Agent, Group
from helpwire.connectors.models import Channel
from helpwire.core.forms import IdChoiceField, IdField
from helpwire.tickets.filters import UNASSIGNED, TicketFilter
from helpwire.tickets.models import CustomField, FieldKind, Priority, Status


class FilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=500)
    status = forms.MultipleChoiceField(label=_("Status"), required=False,
                                       choices=Status.choices)
    priority = forms.MultipleChoiceField(label=_("Priority"), required=False,
                                         choices=Priority.choices)
    assignee = forms.ChoiceField(label=_("Assignee"), required=False)
    group = IdChoiceField(label=_("Group"), required=False, queryset=Group.objects.all())
    channel = IdChoiceField(label=_("Channel"), required=False, queryset=Channel.objects.all())
    tag = forms.CharField(label=_("Tag"), required=False, max_length=500,
                          widget=forms.TextInput(attrs={"list": "filter-tags"}))
    # Chosen with a picker (search by name, email or phone); the id travels hidden.
    client = IdField(label=_("Client"), required=False, widget=forms.HiddenInput)
    company = IdField(label=_("Company"), required=False, widget=forms.HiddenInput)
    period = forms.ChoiceField(label=_("Created"), required=False, choices=[
        ("", "—"), ("today", _("today")), ("7d", _("last 7 days")),
        ("month", _("this month"))])
    created_after = forms.DateField(label=_("Created from"), required=False,
                                    widget=forms.DateInput(attrs={"type": "date"}))
    created_before = forms.DateField(label=_("Created until"), required=False,
                                     widget=forms.DateInput(attrs={"type": "date"}))
    # Rendered by hand in the panel (pickers, date presets) rather than in the field loop.
    SPECIAL = ("client", "company", "period", "created_after", "created_before")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        agents = Agent.objects.filter(is_active=True).order_by("name").values_list("pk", "name")
        choices = [("", "—"), (UNASSIGNED, _("Nobody"))] + [
            (str(pk), name) for pk, name in agents]
        self.fields["assignee"].choices = choices  # type: ignore[attr-defined]
        # One filter per active custom field [TK8]: lists as choices, text as text.
        for custom in CustomField.objects.filter(is_active=True):
            name = f"cf_{custom.key}"
            if custom.kind == FieldKind.LIST:
                self.fields[name] = forms.ChoiceField(
                    label=custom.label, required=False,
                    choices=[("", "—")] + [(str(o), str(o)) for o in custom.options])
            elif custom.kind == FieldKind.CHECKBOX:
                self.fields[name] = forms.ChoiceField(
                    label=custom.label, required=False,
                    choices=[("", "—"), ("true", _("yes")), ("false", _("no"))])
            else:
                self.fields[name] = forms.CharField(label=custom.label, required=False,
                                                    max_length=500)

    def to_filter(self, base: TicketFilter | None = None) -> TicketFilter:
        data = self.cleaned_data if self.is_valid() else {}
        f = base or TicketFilter()
        return TicketFilter(
            status=data.get("status") or f.status,
            priority=data.get("priority") or f.priority,
            assignee=data.get("assignee") or f.assignee,
            group=data["group"].pk if data.get("group") else f.group,
            groups=f.groups,
            channel=data["channel"].pk if data.get("channel") else f.channel,
            tag=data.get("tag") or f.tag,
            client=data.get("client") or f.client,
            company=data.get("company") or f.company,
            **self._created(data),
            fields={name[3:]: value for name, value in data.items()
                    if name.startswith("cf_") and value} or f.fields,
            archived=f.archived,
            extra=f.extra,
        )

    @staticmethod
    def _created(data: dict[str, Any]) -> dict[str, datetime | None]:
        """Dates are whole days in the agent's time zone; a period is counted from today."""
        today = timezone.localdate()
        start, until = data.get("created_after"), data.get("created_before")
        period = data.get("period")
        if period == "today":
            start, until = today, today
        elif period == "7d":
            start, until = today - timedelta(days=6), today
        elif period == "month":
            start, until = today.replace(day=1), today

        def midnight(day: date) -> datetime:
            return timezone.make_aware(datetime.combine(day, time.min))

        return {"created_after": midnight(start) if start else None,
                "created_before": midnight(until + timedelta(days=1)) if until else None}

    def visible_fields_plain(self) -> list[Any]:
        return [f for f in self if f.name not in self.SPECIAL]

    def saved_filters(self) -> dict[str, Any]:
        """What a saved view remembers: the submitted values, JSON-safe."""
        if not self.is_valid():
            return {}
        out: dict[str, Any] = {}
        for name, value in self.cleaned_data.items():
            if value in (None, "", []):
                continue
            out[name] = value.pk if hasattr(value, "pk") else (
                value.isoformat() if hasattr(value, "isoformat") else value)
        return out


class NewTicketForm(forms.Form):
    """A ticket an agent records from the workspace: a call or a walk-in, in the client's
    words, for a client he picks or describes [TK1, CH6]."""

    KINDS = [("call", _("a phone call")), ("visit", _("a visit"))]

    client = IdField(required=False, widget=forms.HiddenInput)
    name = forms.CharField(label=_("Name"), required=False, max_length=200)
    email = forms.CharField(label=_("Email"), required=False, max_length=254)
    phone = forms.CharField(label=_("Phone"), required=False, max_length=50)
    kind = forms.ChoiceField(label=_("What happened"), choices=KINDS, initial="call")
    subject = forms.CharField(label=_("Subject"), required=False, max_length=500)
    message = forms.CharField(label=_("What the client said"), widget=forms.Textarea(
        attrs={"rows": 6}), max_length=100_000)
    group = IdChoiceField(label=_("Group"), required=False,
                          queryset=Group.objects.order_by("name"))
    assignee = IdChoiceField(label=_("Assignee"), required=False,
                             queryset=Agent.objects.filter(is_active=True).order_by("name"))
    tags = forms.CharField(label=_("Tags"), required=False, max_length=2000,
                           help_text=_("Separate several with commas."))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("client") and not any(data.get(k) for k in ("name", "email", "phone")):
            raise forms.ValidationError(_("Pick the client, or give a new client's name, "
                                          "email or phone."), code="no_client")
        return data

    def tag_paths(self) -> list[str]:
        return [t.strip() for t in (self.cleaned_data.get("tags") or "").split(",")
                if t.strip()]
