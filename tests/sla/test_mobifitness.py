"""Issue #13's "done when", through the screens with a controllable clock: Mobifitness sets up
three groups and three policies (support 1 h round the clock, implementation 4 h and
development 8 h in office hours), a rule that posts a 15-minute warning to the team's
Telegram chat by an HTTP request, and a rule that alerts the lead when somebody changes a
policy by hand. A ticket moved from support to implementation switches its clock from the
original start; a plain agent is refused the change; the supervisor's change alerts the
lead."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import time_machine
from django.urls import reverse

from helpwire.accounts.models import Group, Notification
from helpwire.automation import requests as outbound_requests
from helpwire.automation.models import OutboundRequest, RequestState
from helpwire.core import timers
from helpwire.sla.models import SlaPolicy, TicketSla
from helpwire.tickets.models import Change
from tests.automation.test_http_requests import server  # noqa: F401  (a fixture)
from tests.automation.test_rule_sending import office

MSK = ZoneInfo("Europe/Moscow")
MONDAY = datetime(2026, 12, 7, 10, 0, tzinfo=MSK)


def make_policy(b, name: str, minutes: int, calendar) -> SlaPolicy:
    r = b.post(reverse("workspace:settings_sla_new"), {
        "name": name, "calendar": calendar.pk if calendar else "", "warning_minutes": "15",
        "pause_pending": "on", "pause_on_hold": "on", "t_medium_first_response": str(minutes),
        "version": ""})
    assert r.status_code == 302, r.content.decode()[:1500]
    return SlaPolicy.objects.get(name=name)


def give(b, group, policy) -> None:
    r = b.post(reverse("workspace:settings_group_edit", args=[group.pk]),
               {"name": group.name, "description": "", "calendar": group.calendar_id or "",
                "sla_policy": policy.pk})
    assert r.status_code == 302


def test_mobifitness_configures_sla_on_the_screens_and_it_works(
        browser_as, admin, supervisor, agent, support, claims, inbound, server):  # noqa: F811
    development = Group.objects.create(name="Разработка")
    office(claims)
    b = browser_as(admin)
    support_1h = make_policy(b, "Поддержка 1 ч", 60, None)
    implementation = make_policy(b, "Внедрение 4 ч", 240, claims.calendar)
    develop = make_policy(b, "Разработка 8 ч", 480, claims.calendar)
    give(b, support, support_1h)
    give(b, claims, implementation)
    give(b, development, develop)
    for rule in (
        {"name": "SLA горит → Телеграм", "enabled": "on", "mode": "event",
         "events": ["sla.warning"], "action_0_type": "http_request",
         "action_0_value": f"POST {server.url()} | " + json.dumps(
             {"chat_id": 42, "text": "#{{ticket.number}} {{sla.metric}} осталось "
                                     "{{sla.remaining}} ({{ticket.assignee}})"},
             ensure_ascii=False),
         "daily_cap": "20", "version": ""},
        {"name": "SLA изменён вручную → руководителю", "enabled": "on", "mode": "event",
         "events": ["sla.changed"], "all_0_field": "sla.source", "all_0_op": "is",
         "all_0_value": "manual", "action_0_type": "notify_agent",
         "action_0_value": supervisor.name, "daily_cap": "20", "version": ""},
    ):
        r = b.post(reverse("workspace:settings_rule_new"), rule)
        assert r.status_code == 302, r.content.decode()[:2000]

    with time_machine.travel(MONDAY, tick=False):
        ticket = inbound("Не работает интеграция с кассой", thread="mf",
                         ticket_defaults={"group_id": support.pk}).ticket
    assert TicketSla.objects.get(ticket=ticket).policy == support_1h

    # 10:30: the support lead hands it to implementation — 4 office hours from 10:00: 14:00.
    a, s = browser_as(agent), browser_as(supervisor)
    with time_machine.travel(MONDAY + timedelta(minutes=30), tick=False):
        r = s.post(reverse("workspace:ticket_update", args=[ticket.pk]),
                   {"group": claims.pk, "expected_group": support.pk}, HTTP_HX_REQUEST="true")
        assert r.status_code == 200, r.content.decode()[:1500]
    row = TicketSla.objects.get(ticket=ticket)
    assert (row.policy, row.source) == (implementation, "group")
    assert not Notification.objects.filter(agent=supervisor, kind="rule").exists()
    assert row.due_at == datetime(2026, 12, 7, 14, 0, tzinfo=MSK)

    # A plain agent (of implementation) may not buy himself time.
    agent.groups.add(claims)
    with time_machine.travel(MONDAY + timedelta(minutes=40), tick=False):
        refused = a.post(reverse("workspace:ticket_sla", args=[ticket.pk]),
                         {"policy": develop.pk}, HTTP_HX_REQUEST="true")
    assert refused.status_code == 403
    assert TicketSla.objects.get(ticket=ticket).policy == implementation

    # 13:45: the warning is posted to the chat, once.
    for at in (MONDAY + timedelta(hours=3, minutes=45, seconds=30),
               MONDAY + timedelta(hours=3, minutes=50)):
        with time_machine.travel(at, tick=False):
            timers.sweep()
    request = OutboundRequest.objects.get(ticket=ticket)
    with time_machine.travel(MONDAY + timedelta(hours=3, minutes=50), tick=False):
        assert outbound_requests.deliver(request.pk) == RequestState.SENT
    posted = json.loads(server.got[0]["body"])
    assert posted["chat_id"] == 42 and f"#{ticket.number} first_response" in posted["text"]
    assert "осталось 0:14" in posted["text"]

    # The supervisor moves it to development's policy by hand: a history line, the lead told.
    with time_machine.travel(MONDAY + timedelta(hours=3, minutes=55), tick=False):
        page = s.get(reverse("workspace:ticket", args=[ticket.pk])).content.decode()
        assert 'name="policy"' in page and "Внедрение 4 ч" in page
        done = s.post(reverse("workspace:ticket_sla", args=[ticket.pk]),
                      {"policy": develop.pk}, HTTP_HX_REQUEST="true")
    assert done.status_code == 200
    assert TicketSla.objects.get(ticket=ticket).policy == develop
    lines = [(c.old, c.new) for c in Change.objects.filter(
        ticket=ticket, field="sla_policy", actor_agent=supervisor).order_by("pk")]
    assert lines == [("Поддержка 1 ч", "Внедрение 4 ч"),  # the move switched it
                     ("Внедрение 4 ч", "Разработка 8 ч")]  # then by hand
    # Only the change by hand alerted the lead, not the reassignment.
    assert Notification.objects.filter(agent=supervisor, kind="rule").count() == 1
