"""The SLA policy screens [SL1 SL5]: a lead sets Mobifitness's support policy in minutes,
gives it to a group on the group's page, and cannot delete it while the group uses it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from helpwire.sla.models import GroupPolicy, SlaPolicy


@pytest.fixture
def browser_as(english_browser_as):
    return english_browser_as


def form(**extra) -> dict:
    return {"name": "Поддержка 1 ч", "calendar": "", "warning_minutes": "15",
            "pause_pending": "on", "pause_on_hold": "on", "t_medium_first_response": "60",
            "t_medium_resolution": "1440", "t_urgent_first_response": "15", "version": "",
            **extra}


def test_a_lead_sets_a_policy_in_minutes_and_gives_it_to_a_group(browser_as, admin, support):
    b = browser_as(admin)
    r = b.post(reverse("workspace:settings_sla_new"), form())
    assert r.status_code == 302, r.content.decode()[:2000]
    policy = SlaPolicy.objects.get()
    assert policy.targets == {"medium": {"first_response": 3600, "resolution": 86400},
                              "urgent": {"first_response": 900}}
    assert policy.pause_on == ["pending", "on_hold"] and policy.is_default
    listing = b.get(reverse("workspace:settings_sla")).content.decode()
    assert "Поддержка 1 ч" in listing and "1 h" in listing
    page = b.get(reverse("workspace:settings_group_edit", args=[support.pk])).content.decode()
    assert "SLA policy" in page
    r = b.post(reverse("workspace:settings_group_edit", args=[support.pk]),
               {"name": support.name, "description": "", "calendar": "",
                "sla_policy": policy.pk})
    assert r.status_code == 302
    assert GroupPolicy.objects.get(group=support).policy == policy
    refused = b.post(reverse("workspace:settings_sla_delete", args=[policy.pk]), follow=True)
    assert SlaPolicy.objects.filter(pk=policy.pk).exists()
    assert support.name in refused.content.decode()


def test_it_names_a_bad_target_and_refuses_a_stale_save(browser_as, admin):
    b = browser_as(admin)
    r = b.post(reverse("workspace:settings_sla_new"), form(t_medium_first_response="",
                                                           t_medium_resolution="",
                                                           t_urgent_first_response=""))
    assert r.status_code == 400 and not SlaPolicy.objects.exists()
    b.post(reverse("workspace:settings_sla_new"), form())
    policy = SlaPolicy.objects.get()
    stale = b.post(reverse("workspace:settings_sla_edit", args=[policy.pk]),
                   form(name="Другое", version="2000-01-01T00:00:00+00:00"))
    assert stale.status_code == 400
    policy.refresh_from_db()
    assert policy.name == "Поддержка 1 ч"


def test_plain_agents_do_not_reach_it(browser_as, agent):
    assert browser_as(agent).get(reverse("workspace:settings_sla")).status_code == 403


def test_the_queue_and_the_ticket_show_the_clock(browser_as, admin, agent, support, inbound):
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    import time_machine

    from helpwire.sla import actions, inputs

    values = inputs.clean(name="Поддержка 1 ч", calendar_id=None,
                          targets_value={"medium": {"first_response": 3600}},
                          warning_seconds=900, pause_on=["pending"], notes_count=False)
    actions.set_group_policy(group=support, policy=actions.save_policy(policy=None,
                                                                       values=values))
    start = datetime(2026, 12, 7, 10, 0, tzinfo=ZoneInfo("Europe/Moscow"))
    with time_machine.travel(start, tick=False):
        ticket = inbound("Вопрос", thread="q1", ticket_defaults={"group_id": support.pk}).ticket
    b = browser_as(agent)
    with time_machine.travel(start + timedelta(minutes=50), tick=False):
        queue = b.get("/queues/all/").content.decode()
        page = b.get(f"/tickets/{ticket.pk}/").content.decode()
    assert 'class="sla sla-warning"' in queue and ">0:10<" in queue
    assert "sla-panel" in page and "Поддержка 1 ч" in page and ">0:10<" in page
    assert "First response" in page  # in the reader's language, not the server's
    with time_machine.travel(start + timedelta(minutes=75), tick=False):
        late = b.get("/queues/all/").content.decode()
    assert 'class="sla sla-breached"' in late and ">0:15<" in late


def test_moving_a_ticket_out_of_ones_groups_goes_back_to_the_queues(browser_as, agent, claims,
                                                                     support, inbound):
    ticket = inbound("Вопрос", thread="mv", ticket_defaults={"group_id": support.pk}).ticket
    r = browser_as(agent).post(reverse("workspace:ticket_update", args=[ticket.pk]),
                               {"group": claims.pk, "expected_group": support.pk},
                               HTTP_HX_REQUEST="true")
    assert r.status_code == 204 and r["HX-Redirect"] == reverse("workspace:home")
    ticket.refresh_from_db()
    assert ticket.group == claims


def test_a_supervisor_moves_a_deadline_on_the_ticket_page(browser_as, supervisor, support,
                                                          inbound):
    from helpwire.sla import actions, inputs
    from helpwire.sla.models import TicketSla

    values = inputs.clean(name="Поддержка", calendar_id=None,
                          targets_value={"medium": {"first_response": 3600}},
                          warning_seconds=900, pause_on=[], notes_count=False)
    actions.set_group_policy(group=support, policy=actions.save_policy(policy=None,
                                                                       values=values))
    ticket = inbound("Вопрос", thread="due", ticket_defaults={"group_id": support.pk}).ticket
    b = browser_as(supervisor)
    assert "Move the deadline" in b.get(f"/tickets/{ticket.pk}/").content.decode()
    r = b.post(reverse("workspace:ticket_sla", args=[ticket.pk]),
               {"metric": "first_response", "due_at": "2099-01-01T10:00"}, HTTP_HX_REQUEST="true")
    assert r.status_code == 200
    assert "first_response" in TicketSla.objects.get(ticket=ticket).due_overrides
