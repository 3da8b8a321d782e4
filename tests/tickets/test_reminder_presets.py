"""Reminder presets beside the date box: in an hour, tomorrow 10:00, Monday 10:00 — in the
agent's own time zone [TK2]."""

from __future__ import annotations

import zoneinfo
from datetime import datetime, timedelta

from django.utils import timezone

from helpwire.tickets.inputs import preset_moment
from helpwire.tickets.models import Status

YEKT = zoneinfo.ZoneInfo("Asia/Yekaterinburg")


def test_it_reads_the_presets_in_the_current_time_zone():
    wednesday = datetime(2026, 12, 2, 22, 30, tzinfo=YEKT)
    with timezone.override(YEKT):
        assert preset_moment("1h", wednesday) == wednesday + timedelta(hours=1)
        assert preset_moment("tomorrow", wednesday) == datetime(2026, 12, 3, 10, tzinfo=YEKT)
        assert preset_moment("monday", wednesday) == datetime(2026, 12, 7, 10, tzinfo=YEKT)
        monday = datetime(2026, 12, 7, 9, tzinfo=YEKT)
        assert preset_moment("monday", monday) == datetime(2026, 12, 14, 10, tzinfo=YEKT)


def test_it_sets_a_preset_from_the_ticket_panel(browser_as, agent, ticket):
    agent.time_zone = "Asia/Yekaterinburg"
    agent.save(update_fields=["time_zone"])
    browser_as(agent).post(f"/tickets/{ticket.pk}/reminder/", {"preset": "tomorrow"})
    ticket.refresh_from_db()
    local = ticket.remind_at.astimezone(YEKT)
    assert ticket.status == Status.PENDING
    assert (local.hour, local.minute) == (10, 0)
    assert local.date() == (timezone.now().astimezone(YEKT) + timedelta(days=1)).date()
