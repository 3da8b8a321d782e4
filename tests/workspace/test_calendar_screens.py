"""The working-hours screens [TM2] as a support lead uses them: a calendar made from text
boxes, its two-week preview, a stale save refused, a group given the calendar, and a delete
that says which groups stand in the way."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from helpwire.calendars.models import Calendar

FORM = {"name": "Москва 9–18", "time_zone": "Europe/Moscow", "kind": "week",
        "mon": "09:00–13:00, 14:00 - 18:00", "tue": "09:00-18:00", "wed": "09:00–18:00",
        "thu": "09:00–18:00", "fri": "09:00–17:00", "sat": "", "sun": "", "holidays": "RU",
        "days": "2026-12-31: off\n2026-12-27: 10:00–15:00", "version": ""}


@pytest.fixture
def browser_as(english_browser_as):
    return english_browser_as


def test_it_makes_a_calendar_from_plain_text_and_previews_it(browser_as, admin):
    b = browser_as(admin)
    blank = b.get(reverse("workspace:settings_calendar_new")).content.decode()
    assert re.search(r'name="is_default"[^>]*checked', blank)  # none yet: this one will be
    assert 'value="09:00–18:00"' in blank  # a weekday office to start from
    r = b.post(reverse("workspace:settings_calendar_new"), {**FORM, "is_default": "on"})
    assert r.status_code == 302, r.content.decode()[:2000]
    calendar = Calendar.objects.get()
    assert calendar.week["mon"] == [["09:00", "13:00"], ["14:00", "18:00"]]
    assert calendar.days == [{"date": "2026-12-27", "hours": [["10:00", "15:00"]]},
                             {"date": "2026-12-31", "hours": []}]
    assert calendar.is_default  # the first one
    page = b.get(r["Location"]).content.decode()
    assert "Two weeks of hours" in page and "09:00–13:00" in page
    assert "2026-12-31: off" in page  # the text box shows what was saved


def test_it_marks_the_field_with_a_bad_span(browser_as, admin):
    r = browser_as(admin).post(reverse("workspace:settings_calendar_new"),
                               {**FORM, "wed": "9 to 6"})
    assert r.status_code == 400
    assert "is not a span like 09:00–18:00" in r.content.decode()
    assert not Calendar.objects.exists()


def test_it_takes_a_rotation_in_place_of_the_week(browser_as, admin):
    r = browser_as(admin).post(reverse("workspace:settings_calendar_new"), {
        **FORM, "kind": "rotation", "rotation_start": "2026-12-01", "rotation_on": "2",
        "rotation_off": "2", "rotation_hours": "08:00–20:00"})
    assert r.status_code == 302
    assert Calendar.objects.get().rotation == {"start": "2026-12-01", "on": 2, "off": 2,
                                               "hours": [["08:00", "20:00"]]}


def test_it_refuses_a_save_over_someone_elses_change(browser_as, admin):
    b = browser_as(admin)
    b.post(reverse("workspace:settings_calendar_new"), FORM)
    calendar = Calendar.objects.get()
    opened = calendar.updated_at.isoformat()
    Calendar.objects.filter(pk=calendar.pk).update(updated_at=timezone.now(), name="Другой")
    r = b.post(reverse("workspace:settings_calendar_edit", args=[calendar.pk]),
               {**FORM, "sat": "10:00–14:00", "version": opened})
    assert r.status_code == 400
    assert "Someone changed this calendar" in r.content.decode()
    calendar.refresh_from_db()
    assert calendar.name == "Другой" and calendar.week["sat"] == []


def test_it_gives_a_group_the_calendar_and_keeps_it_from_deletion(browser_as, admin, support):
    b = browser_as(admin)
    b.post(reverse("workspace:settings_calendar_new"), FORM)
    calendar = Calendar.objects.get()
    b.post(reverse("workspace:settings_group_edit", args=[support.pk]),
           {"name": support.name, "description": "", "calendar": calendar.pk})
    support.refresh_from_db()
    assert support.calendar_id == calendar.pk
    page = b.get(reverse("workspace:settings_calendar_edit", args=[calendar.pk])).content
    assert support.name in page.decode()
    r = b.post(reverse("workspace:settings_calendar_delete", args=[calendar.pk]), follow=True)
    assert Calendar.objects.filter(pk=calendar.pk).exists()
    assert "give them another calendar first" in r.content.decode()
    b.post(reverse("workspace:settings_group_edit", args=[support.pk]),
           {"name": support.name, "description": "", "calendar": ""})
    b.post(reverse("workspace:settings_calendar_delete", args=[calendar.pk]))
    assert not Calendar.objects.exists()


def test_it_shows_the_russian_holidays_in_the_preview(browser_as, admin):
    b = browser_as(admin)
    b.post(reverse("workspace:settings_calendar_new"), {**FORM, "days": ""})
    calendar = Calendar.objects.get()
    page = b.get(reverse("workspace:settings_calendar_edit", args=[calendar.pk]),
                 {"start": "2026-04-28"}).content
    html = page.decode()
    assert "short pre-holiday day" in html and "public holiday" in html  # 30 April, 1 May
