"""The working-hours calendar form [TM2]: plain text boxes ("09:00–13:00, 14:00–18:00"),
turned into the API's shape and checked by ``calendars.inputs.clean`` — the one validation the
API uses too. A hidden version refuses a save that rests on a stale page."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from helpwire.calendars import inputs, production
from helpwire.calendars.models import Calendar
from helpwire.calendars.schedule import WEEKDAYS

# The countries the screen offers by name (the API takes any code the holidays package knows).
COUNTRIES = {"RU": _("Russia"), "BY": _("Belarus"), "KZ": _("Kazakhstan"),
             "UZ": _("Uzbekistan"), "KG": _("Kyrgyzstan"), "AM": _("Armenia"),
             "GE": _("Georgia"), "AZ": _("Azerbaijan"), "RS": _("Serbia"),
             "PT": _("Portugal"), "BR": _("Brazil"), "DE": _("Germany"),
             "GB": _("United Kingdom"), "US": _("United States")}
WEEKDAY_LABELS = {"mon": _("Monday"), "tue": _("Tuesday"), "wed": _("Wednesday"),
                  "thu": _("Thursday"), "fri": _("Friday"), "sat": _("Saturday"),
                  "sun": _("Sunday")}


def _hours(label: Any) -> forms.CharField:
    return forms.CharField(label=label, required=False, max_length=200)


class CalendarForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    time_zone = forms.CharField(label=_("Time zone"), max_length=64,
                                widget=forms.TextInput(attrs={"list": "time-zones"}))
    kind = forms.ChoiceField(label=_("Schedule"), widget=forms.RadioSelect, initial="week",
                             choices=[("week", _("The same hours every week")),
                                      ("rotation", _("Rotating shifts (2/2, 1/3 …)"))])
    mon, tue, wed, thu, fri, sat, sun = (_hours(WEEKDAY_LABELS[d]) for d in WEEKDAYS)
    rotation_start = forms.DateField(label=_("First working day of the cycle"), required=False,
                                     widget=forms.DateInput(attrs={"type": "date"}))
    rotation_on = forms.IntegerField(label=_("Days on"), required=False, min_value=1,
                                     max_value=inputs.MAX_CYCLE)
    rotation_off = forms.IntegerField(label=_("Days off"), required=False, min_value=0,
                                      max_value=inputs.MAX_CYCLE)
    rotation_hours = _hours(_("Shift hours"))
    holidays = forms.ChoiceField(
        label=_("Public holidays"), required=False,
        help_text=_("Russia: days off, working Saturdays moved by decree and short "
                    "pre-holiday days (an hour shorter)."))
    days = forms.CharField(
        label=_("Custom days"), required=False, widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One date a line: “2026-12-31: off” for a day off, “2026-12-27: "
                    "10:00–15:00” for a short or extra working day."))
    is_default = forms.BooleanField(label=_("The company's default calendar"), required=False,
                                    help_text=_("Used by every group without its own."))
    version = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, calendar: Calendar | None = None, **kwargs: Any) -> None:
        self.calendar = calendar
        if calendar is not None:
            kwargs.setdefault("initial", initial(calendar))
        else:
            kwargs.setdefault("initial", {
                "time_zone": settings.TIME_ZONE, "holidays": "RU",
                "is_default": not Calendar.objects.filter(is_default=True).exists(),
                **{d: "09:00–18:00" for d in WEEKDAYS[:5]}})
        super().__init__(*args, **kwargs)
        holidays = self.fields["holidays"]
        assert isinstance(holidays, forms.ChoiceField)
        known = set(production.codes())
        current = calendar.holidays if calendar is not None else ""
        holidays.choices = [("", _("None")), *[(c, name) for c, name in COUNTRIES.items()
                                               if c in known]]
        if current and current not in COUNTRIES:  # set through the API: keep it shown
            holidays.choices.append((current, current))
        self.values: dict[str, Any] = {}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.calendar is not None and data.get("version") != version(self.calendar):
            raise ValidationError(
                _("Someone changed this calendar after you opened it. Reload the page to see "
                  "their changes; yours were not saved."), code="stale")
        shape: dict[str, Any] = {"week": None, "rotation": None}
        rotation = data.get("kind") == "rotation"
        for name in ("rotation_hours",) if rotation else WEEKDAYS:
            label = str(self.fields[name].label)
            try:
                data[name] = inputs.hours(inputs.spans_from_text(data.get(name, ""), label),
                                          label)
            except ValidationError as e:
                self.add_error(name, e)
        if self.errors:
            return data
        try:
            if rotation:
                shape["rotation"] = {
                    "start": data.get("rotation_start") or "", "on": data.get("rotation_on"),
                    "off": data.get("rotation_off"), "hours": data["rotation_hours"]}
            else:
                shape["week"] = {d: data[d] for d in WEEKDAYS}
            days = inputs.days_from_text(data.get("days", ""))
            self.values = inputs.clean(
                name=data.get("name", ""), time_zone=data.get("time_zone", ""),
                holidays=data.get("holidays"), days=days, instance=self.calendar, **shape)
        except ValidationError as e:
            fields = {"week": None, "rotation": "rotation_hours"}
            if hasattr(e, "error_dict"):
                for name, errors in e.error_dict.items():
                    self.add_error(fields.get(name, name), errors)
            else:
                self.add_error(None, e)
        return data


def version(calendar: Calendar) -> str:
    return calendar.updated_at.isoformat()


def initial(calendar: Calendar) -> dict[str, Any]:
    rotation = calendar.rotation or {}
    return {
        "name": calendar.name, "time_zone": calendar.time_zone,
        "kind": "rotation" if calendar.rotation else "week",
        **{d: inputs.spans_to_text(calendar.week.get(d, [])) for d in WEEKDAYS},
        "rotation_start": rotation.get("start"), "rotation_on": rotation.get("on"),
        "rotation_off": rotation.get("off"),
        "rotation_hours": inputs.spans_to_text(rotation.get("hours", [])),
        "holidays": calendar.holidays, "days": inputs.days_to_text(calendar.days),
        "is_default": calendar.is_default, "version": version(calendar)}


class PreviewForm(forms.Form):
    """Which fortnight the editor's preview shows (default: from today)."""

    start = forms.DateField(label=_("From"), required=False,
                            widget=forms.DateInput(attrs={"type": "date"}))
