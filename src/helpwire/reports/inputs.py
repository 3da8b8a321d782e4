"""The one parser of a report's query (period, grouping, filters) for the screens, the API,
exports and scheduled reports."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from helpwire.reports.facts import zone
from helpwire.reports.models import Formula, Frequency, Metric, Period
from helpwire.reports.selectors import GROUPS, ReportFilter
from helpwire.tickets import tags as tag_tree
from helpwire.tickets.models import Priority, Status, Tag

MAX_DAYS = 3 * 366
MAX_RECIPIENTS = 20
MAX_ID = 2**63 - 1  # a database id; a larger number would overflow the query
GROUP_LABELS = {"day": gettext_lazy("day"), "week": gettext_lazy("week"),
                "month": gettext_lazy("month"), "agent": gettext_lazy("agent"),
                "group": gettext_lazy("group"), "channel": gettext_lazy("channel"),
                "tag": gettext_lazy("tag")}


class ReportForm(forms.Form):
    # ``from`` is a Python keyword: the form reads it under its own name (see parse).
    start = forms.DateField(required=False, label=gettext_lazy("From"))
    end = forms.DateField(required=False, label=gettext_lazy("To"))
    group_by = forms.ChoiceField(required=False, label=gettext_lazy("Group by"),
                                 choices=[(g, GROUP_LABELS[g]) for g in GROUPS])
    channel = forms.IntegerField(required=False, min_value=1, max_value=MAX_ID,
                                 label=gettext_lazy("Channel"))
    group = forms.IntegerField(required=False, min_value=1, max_value=MAX_ID,
                               label=gettext_lazy("Group"))
    agent = forms.CharField(required=False, label=gettext_lazy("Agent"))
    tag = forms.CharField(required=False, max_length=500, label=gettext_lazy("Tag"))
    company = forms.IntegerField(required=False, min_value=1, max_value=MAX_ID,
                                 label=gettext_lazy("Company"))
    priority = forms.ChoiceField(required=False, label=gettext_lazy("Priority"),
                                 choices=[("", "—"), *Priority.choices])
    internal = forms.NullBooleanField(required=False, label=gettext_lazy("Internal requests"))

    def clean_agent(self) -> int | None:
        raw = (self.cleaned_data.get("agent") or "").strip()
        if not raw:
            return None
        if raw == "none":
            return 0
        if not raw.isdigit() or int(raw) > MAX_ID:
            raise ValidationError(_("Choose an agent."), code="invalid_agent")
        return int(raw)

    def clean_tag(self) -> Tag | None:
        raw = (self.cleaned_data.get("tag") or "").strip()
        if not raw:
            return None
        found = (Tag.objects.filter(pk=int(raw)).first() if raw.isdigit() and int(raw) <= MAX_ID
                 else tag_tree.find(raw))
        if found is None:
            raise ValidationError(_("No such tag."), code="invalid_tag")
        return found


def metric(value: str) -> str:
    """A drill-down's figure: one of the metrics."""
    if value not in Metric.values:
        raise ValidationError(_("Unknown figure %(name)s."), code="invalid_metric",
                              params={"name": value})
    return value


def last_week() -> tuple[date, date]:
    today = timezone.now().astimezone(zone()).date()
    monday = today - timedelta(days=today.weekday())
    return monday - timedelta(days=7), monday - timedelta(days=1)


def parse(data: Mapping[str, Any], *, default_group: str = "day") -> ReportFilter:
    """A query dict (``from``, ``to``, ``group_by`` and the filters) → a ReportFilter;
    ValidationError with the field's message when something is wrong. No period means
    last week (Monday's report)."""
    values = {k: data.get(k) for k in ReportForm.base_fields if k in data}
    if "from" in data:
        values["start"] = data.get("from")
    if "to" in data:
        values["end"] = data.get("to")
    form = ReportForm(values)
    if not form.is_valid():
        field, errors = next(iter(form.errors.as_data().items()))
        raise ValidationError(f"{field}: {errors[0].messages[0]}", code="invalid_report")
    c = form.cleaned_data
    start, end = c.get("start"), c.get("end")
    if start is None or end is None:
        week = last_week()
        start, end = start or week[0], end or week[1]
    if end < start:
        raise ValidationError(_("The period ends before it starts."), code="invalid_period")
    if (end - start).days >= MAX_DAYS:
        raise ValidationError(_("A report covers at most three years."), code="invalid_period")
    return ReportFilter(start=start, end=end, group_by=c.get("group_by") or default_group,
                        channel=c.get("channel"), group=c.get("group"), agent=c.get("agent"),
                        tag=c.get("tag"), company=c.get("company"),
                        priority=c.get("priority") or None, internal=c.get("internal"))


def query_string(f: ReportFilter, **override: Any) -> str:
    """The filter back as a query string (links, drill-downs, scheduled reports)."""
    values: dict[str, Any] = {"from": f.start.isoformat(), "to": f.end.isoformat(),
                              "group_by": f.group_by}
    for name in ("channel", "group", "company", "priority"):
        if getattr(f, name) is not None:
            values[name] = getattr(f, name)
    if f.agent is not None:
        values["agent"] = f.agent or "none"
    if f.tag is not None:
        values["tag"] = f.tag.pk
    if f.internal is not None:
        values["internal"] = "true" if f.internal else "false"
    values.update({k: v for k, v in override.items() if v is not None})
    return urlencode(values)


class ScheduleForm(forms.Form):
    """A scheduled report [RP4]: the report's filters come from the report it was made on
    (``params``, a query string parsed again by ``parse`` when it is sent)."""

    name = forms.CharField(max_length=100, label=gettext_lazy("Name"))
    period = forms.ChoiceField(choices=Period.choices, label=gettext_lazy("When"))
    recipients = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), label=gettext_lazy("Send to"),
        help_text=gettext_lazy("Email addresses, separated by commas."))
    params = forms.CharField(required=False, max_length=1000, widget=forms.HiddenInput)

    def clean_recipients(self) -> str:
        raw = self.cleaned_data["recipients"].replace(";", ",").replace("\n", ",")
        addresses = [a.strip() for a in raw.split(",") if a.strip()]
        if not addresses:
            raise ValidationError(_("Give at least one address."), code="no_recipients")
        if len(addresses) > MAX_RECIPIENTS:
            raise ValidationError(_("At most %(n)s addresses."), code="too_many_recipients",
                                  params={"n": MAX_RECIPIENTS})
        for address in addresses:
            validate_email(address)
        return ", ".join(addresses)

    def clean_params(self) -> str:
        raw = self.cleaned_data.get("params") or ""
        parse(QueryDict(raw))  # refuses filters that would not parse when it is sent
        return raw


class TagSetForm(forms.Form):
    """A saved set of tags [RP3]: paths (or ids), one a line or comma-separated."""

    name = forms.CharField(max_length=100, label=gettext_lazy("Name"))
    tags = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}), label=gettext_lazy("Tags"),
        help_text=gettext_lazy("One tag a line, as its full path; its subtags count."))

    def clean_tags(self) -> list[Tag]:
        found: list[Tag] = []
        for raw in self.cleaned_data["tags"].replace(",", "\n").splitlines():
            raw = raw.strip()
            if not raw:
                continue
            tag = (Tag.objects.filter(pk=int(raw)).first() if raw.isdigit() and int(raw) <= MAX_ID
                   else tag_tree.find(raw))
            if tag is None:
                raise ValidationError(_("No such tag: %(tag)s."), code="invalid_tag",
                                      params={"tag": raw})
            if tag not in found:
                found.append(tag)
        if not found:
            raise ValidationError(_("Choose at least one tag."), code="no_tags")
        return found


class RatingSettingsForm(forms.Form):
    """When clients are asked to rate, and how the score is counted [RP1]."""

    enabled = forms.BooleanField(required=False, label=gettext_lazy("Ask clients to rate"))
    ask_on = forms.ChoiceField(choices=[(Status.SOLVED, Status.SOLVED.label),
                                        (Status.CLOSED, Status.CLOSED.label),
                                        (Status.PENDING, Status.PENDING.label)],
                               label=gettext_lazy("Ask when the ticket becomes"))
    frequency = forms.ChoiceField(choices=Frequency.choices, label=gettext_lazy("How often"))
    link_days = forms.IntegerField(min_value=1, max_value=365,
                                   label=gettext_lazy("The links work for (days)"))
    formula = forms.ChoiceField(choices=Formula.choices, label=gettext_lazy("Score"))
