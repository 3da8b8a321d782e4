"""/api/v1/calendars and a group's calendar [TM2]: the issue's shapes, one validation with
the screen, partial changes, and no deleting a calendar a group relies on."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from helpwire.calendars import schedule, selectors
from helpwire.calendars.models import Calendar

MOSCOW = {
    "name": "Москва 9–18", "time_zone": "Europe/Moscow",
    "week": {"mon": [["09:00", "13:00"], ["14:00", "18:00"]], "tue": [["09:00", "18:00"]],
             "wed": [["09:00", "18:00"]], "thu": [["09:00", "18:00"]],
             "fri": [["09:00", "18:00"]], "sat": [], "sun": []},
    "holidays": "RU",
    "days": [{"date": "2026-12-31", "hours": []},
             {"date": "2026-12-27", "hours": [["10:00", "15:00"]]}],
}


def test_it_creates_the_issues_calendar_and_counts_working_time_by_it(api_as, admin):
    r = api_as(admin).post("/calendars", MOSCOW)
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["week"]["mon"] == [["09:00", "13:00"], ["14:00", "18:00"]]
    assert body["is_default"] is True  # the first calendar is the company's
    spec = selectors.spec_for(calendar_id=None)
    msk = ZoneInfo("Europe/Moscow")
    assert schedule.is_working(spec, datetime(2026, 12, 27, 11, tzinfo=msk))  # a custom Sunday
    assert not schedule.is_working(spec, datetime(2026, 12, 31, 11, tzinfo=msk))
    assert not schedule.is_working(spec, datetime(2026, 12, 7, 13, 30, tzinfo=msk))


def test_it_takes_a_rotating_schedule_and_a_night_shift(api_as, admin):
    r = api_as(admin).post("/calendars", {
        "name": "2/2", "time_zone": "Asia/Yekaterinburg", "holidays": None,
        "rotation": {"start": "2026-12-01", "on": 2, "off": 2, "hours": [["20:00", "08:00"]]}})
    assert r.status_code == 201, r.content
    assert r.json()["rotation"]["hours"] == [["20:00", "08:00"]]
    spec = Calendar.objects.get(name="2/2").spec()
    at = datetime(2026, 12, 2, 6, tzinfo=ZoneInfo("Asia/Yekaterinburg"))  # Dec 1's night
    assert schedule.is_working(spec, at)


@pytest.mark.parametrize(("change", "field"), [
    ({"time_zone": "Mars/Olympus"}, "time_zone"),
    ({"week": {"mon": [["09:00", "25:00"]]}}, "week"),
    ({"week": {"mon": [["09:00", "13:00"], ["12:00", "18:00"]]}}, "week"),
    ({"week": {"funday": [["09:00", "18:00"]]}}, "week"),
    ({"week": {"mon": []}}, "week"),
    ({"holidays": "XX"}, "holidays"),
    ({"days": [{"date": "31.12.2026", "hours": []}]}, "days"),
    ({"days": [{"date": "2026-12-31", "hours": []}, {"date": "2026-12-31", "hours": []}]},
     "days"),
    ({"week": None, "rotation": {"start": "2026-12-01", "on": 0, "off": 2,
                                 "hours": [["09:00", "18:00"]]}}, "rotation"),
])
def test_it_refuses_a_broken_calendar_and_says_which_field(api_as, admin, change, field):
    r = api_as(admin).post("/calendars", {**MOSCOW, **change})
    assert r.status_code == 400, r.content
    assert field in r.json()["error"]["details"]
    assert not Calendar.objects.exists()


def test_it_changes_only_what_a_patch_sends(api_as, admin):
    api = api_as(admin)
    cid = api.post("/calendars", MOSCOW).json()["id"]
    r = api.patch(f"/calendars/{cid}", {"days": []})
    assert r.status_code == 200, r.content
    assert r.json()["days"] == [] and r.json()["week"]["tue"] == [["09:00", "18:00"]]
    assert r.json()["name"] == MOSCOW["name"] and r.json()["holidays"] == "RU"


def test_it_keeps_one_company_default(api_as, admin):
    api = api_as(admin)
    first = api.post("/calendars", MOSCOW).json()["id"]
    second = api.post("/calendars", {**MOSCOW, "name": "Second", "is_default": True}).json()
    assert second["is_default"] is True
    assert api.get(f"/calendars/{first}").json()["is_default"] is False


def test_it_gives_a_group_a_calendar_and_will_not_delete_it_under_the_group(
        api_as, admin, support):
    api = api_as(admin)
    cid = api.post("/calendars", MOSCOW).json()["id"]
    r = api.patch(f"/groups/{support.pk}", {"calendar_id": cid})
    assert r.status_code == 200 and r.json()["calendar_id"] == cid
    assert [g["calendar_id"] for g in api.get("/groups").json()] == [cid]
    r = api.delete(f"/calendars/{cid}")
    assert r.status_code == 400 and r.json()["error"]["code"] == "in_use"
    assert support.name in r.json()["error"]["message"]
    assert api.patch(f"/groups/{support.pk}", {"calendar_id": None}).json()["calendar_id"] is None
    assert api.delete(f"/calendars/{cid}").status_code == 204


def test_it_lets_only_admins_change_calendars(api_as, agent):
    api = api_as(agent)
    assert api.post("/calendars", MOSCOW).status_code == 403
    assert api.get("/calendars").status_code == 200
