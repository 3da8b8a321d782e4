"""The list filter form: the UI face of ``tickets.filters.TicketFilter``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from helpwire.accounts.models import Agent, Group
from helpwire.connectors.models import Channel
from helpwire.tickets.filters import UNASSIGNED, TicketFilter
from helpwire.tickets.models import CustomField, FieldKind, Priority, Status


class FilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=500)
    status = forms.MultipleChoiceField(label=_("Status"), required=False,
                                       choices=Status.choices)
    priority = forms.MultipleChoiceField(label=_("Priority"), required=False,
                                         choices=Priority.choices)
    assignee = forms.ChoiceField(label=_("Assignee"), required=False)
    group = forms.ModelChoiceField(label=_("Group"), required=False,
                                   queryset=Group.objects.all())
    channel = forms.ModelChoiceField(label=_("Channel"), required=False,
                                     queryset=Channel.objects.all())
    tag = forms.CharField(label=_("Tag"), required=False, max_length=500)
    client = forms.IntegerField(label=_("Client id"), required=False, min_value=1)
    company = forms.IntegerField(label=_("Company id"), required=False, min_value=1)
    created_after = forms.DateTimeField(label=_("Created after"), required=False)
    created_before = forms.DateTimeField(label=_("Created before"), required=False)

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
            created_after=data.get("created_after"),
            created_before=data.get("created_before"),
            fields={name[3:]: value for name, value in data.items()
                    if name.startswith("cf_") and value} or f.fields,
        )

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
