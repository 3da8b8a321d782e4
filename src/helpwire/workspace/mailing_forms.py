"""The mailing form [AU7]: a template, a mailbox, a subject, and the recipients — pasted
addresses or the clients of a tag's tickets. Checked in two steps: the first says how many
people it will reach (and which lines are not addresses); only the second, confirming that
number, sends."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from helpwire.accounts.models import Group
from helpwire.automation import mailings
from helpwire.automation.models import ReplyTemplate
from helpwire.connectors.models import Channel, ChannelKind


class MailingForm(forms.Form):
    template = forms.ModelChoiceField(label=_("Template"), queryset=ReplyTemplate.objects.none())
    channel = forms.ModelChoiceField(label=_("Send from the mailbox"),
                                     queryset=Channel.objects.none())
    subject = forms.CharField(label=_("Subject"), max_length=500)
    addresses = forms.CharField(
        label=_("To these addresses"), required=False, max_length=500_000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("One per line, or separated by commas. Each person gets a message of his "
                    "own; nobody sees the others' addresses."))
    clients_of_tag = forms.CharField(
        label=_("…or to the clients of tickets with the tag"), required=False, max_length=500,
        widget=forms.TextInput(attrs={"list": "mailing-tags"}))
    group = forms.ModelChoiceField(label=_("Answers go to the group"), required=False,
                                   queryset=Group.objects.none())
    tag = forms.CharField(label=_("Tag the answers with"), required=False, max_length=500,
                          widget=forms.TextInput(attrs={"list": "mailing-tags"}))
    name = forms.CharField(label=_("Name (for the list of mailings)"), required=False,
                           max_length=200)
    confirmed = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = ReplyTemplate.objects.filter(  # type: ignore[attr-defined]
            is_active=True).order_by("section", "title")
        self.fields["channel"].queryset = Channel.objects.filter(  # type: ignore[attr-defined]
            kind=ChannelKind.EMAIL, is_active=True).order_by("name")
        self.fields["group"].queryset = Group.objects.order_by("name")  # type: ignore[attr-defined]
        self.recipients: list[str] = []
        self.invalid: list[str] = []

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        pasted = (data.get("addresses") or "").strip()
        tag = (data.get("clients_of_tag") or "").strip()
        if bool(pasted) == bool(tag):
            raise ValidationError(_("Paste addresses or name a tag (one of the two)."))
        if pasted:
            found = mailings.parse_addresses(pasted)
            self.recipients, self.invalid = found.addresses, found.invalid
            if self.invalid:
                self.add_error("addresses", _("These are not addresses; fix or remove them: "
                                              "%(items)s")
                               % {"items": "; ".join(self.invalid[:20])})
        else:
            try:
                self.recipients = mailings.clients_of_tag(tag)
            except ValidationError as e:
                self.add_error("clients_of_tag", e)
        if not self.errors and not self.recipients:
            raise ValidationError(_("There is nobody to send to."))
        return data

    @property
    def ready(self) -> bool:
        """Confirmed for exactly the number of people the recipients come to now."""
        return (self.is_valid() and bool(self.recipients)
                and self.cleaned_data.get("confirmed") == len(self.recipients))
