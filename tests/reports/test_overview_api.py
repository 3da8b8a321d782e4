"""The overview API [RP2 RP5]: the issue's shape, totals equal to the drill-down and to the
ticket list for the same days and filters, the previous day's work in its own row, and the
exports opened as a spreadsheet would."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from openpyxl import load_workbook

from helpwire.conversations import reply
from helpwire.core.actors import Actor
from helpwire.reports import export
from helpwire.sla import actions as sla_actions
from helpwire.tickets.actions import set_status
from tests.sla.test_tracking import policy

MSK = ZoneInfo("Europe/Moscow")
DAY1 = datetime(2026, 11, 2, 10, 0, tzinfo=MSK)
FIELDS = {"key", "label", "created", "solved", "first_reply_median_s", "resolution_median_s",
          "sla_met_pct", "csat_pct", "good", "normal", "bad",
          "first_reply_median_calendar_s", "resolution_median_calendar_s"}


@pytest.fixture
def november(inbound, agent, support, claims):
    """Three tickets on 2 Nov and two on 3 Nov; one is spam, one in claims."""
    me = Actor.of_agent(agent)
    made = []
    for i, (day, minutes, group) in enumerate([(0, 10, support), (0, 30, support),
                                               (0, 0, claims), (1, 20, support),
                                               (1, 0, support)]):
        with time_machine.travel(DAY1 + timedelta(days=day, minutes=i), tick=False):
            made.append(inbound(f"Вопрос {i}", thread=f"n{i}", email=f"c{i}@example.ru",
                                ticket_defaults={"group_id": group.pk}).ticket)
        if minutes:
            with time_machine.travel(DAY1 + timedelta(days=day, minutes=i + minutes),
                                     tick=False):
                reply(ticket=made[-1], actor=me, text="Ответ", status="solved")
    with time_machine.travel(DAY1 + timedelta(days=1, hours=1), tick=False):
        set_status(ticket=made[4], status="spam", actor=me)
    return made


def test_it_answers_in_the_issues_shape(november, supervisor, browser_as):
    got = browser_as(supervisor).get("/api/v1/reports/overview",
                                     {"from": "2026-11-02", "to": "2026-11-03",
                                      "group_by": "day"})
    assert got.status_code == 200
    body = got.json()
    assert [r["key"] for r in body["rows"]] == ["2026-11-02", "2026-11-03"]
    assert set(body["rows"][0]) >= FIELDS and FIELDS - {"key", "label"} <= set(body["total"])
    day1, day2 = body["rows"]
    assert (day1["created"], day1["solved"], day2["created"], day2["solved"]) == (3, 2, 1, 1)
    # First replies 10 and 30 minutes: the median of two is their mean.
    assert day1["first_reply_median_s"] == 20 * 60 == day1["first_reply_median_calendar_s"]
    assert body["total"]["created"] == 4  # the spam ticket is out
    assert body["total"]["csat_pct"] is None and body["total"]["sla_met_pct"] is None


def test_it_counts_what_the_ticket_list_and_the_drill_down_show(november, supervisor,
                                                                 support, browser_as):
    b = browser_as(supervisor)
    query = {"from": "2026-11-02", "to": "2026-11-03", "group": support.pk}
    total = b.get("/api/v1/reports/overview", {**query, "group_by": "week"}).json()["total"]
    listed = b.get("/api/v1/tickets", {"group": support.pk,
                                       "created_after": "2026-11-02T00:00:00+03:00",
                                       "created_before": "2026-11-04T00:00:00+03:00",
                                       "limit": 200}).json()
    counted = [t for t in listed["items"] if t["status"] not in ("spam", "merged", "mailing")]
    assert total["created"] == len(counted) == 3
    drilled = b.get("/api/v1/reports/tickets", {**query, "metric": "created"}).json()
    assert drilled["count"] == 3
    assert {t["number"] for t in drilled["items"]} == {t["number"] for t in counted}


def test_it_groups_by_agent_and_refuses_agents_and_bad_input(november, agent, supervisor,
                                                             browser_as):
    rows = browser_as(supervisor).get("/api/v1/reports/overview", {
        "from": "2026-11-02", "to": "2026-11-03", "group_by": "agent"}).json()["rows"]
    mine = next(r for r in rows if r["key"] == agent.pk)
    assert mine["solved"] == 3 and mine["label"] == agent.name
    assert browser_as(agent).get("/api/v1/reports/overview").status_code == 403
    for bad in ({"from": "2026-13-01"}, {"channel": "9" * 25}, {"agent": "9" * 25},
                {"tag": "9" * 25}, {"group_by": "year"}):
        assert browser_as(supervisor).get("/api/v1/reports/overview", bad).status_code == 400
    backwards = browser_as(supervisor).get("/api/v1/reports/overview",
                                           {"from": "2026-11-03", "to": "2026-11-01"})
    assert backwards.status_code == 400


def test_it_exports_csv_and_xlsx(november, supervisor, browser_as):
    b = browser_as(supervisor)
    query = {"from": "2026-11-02", "to": "2026-11-03"}
    got = b.get("/api/v1/reports/overview.csv", query)
    rows = list(csv.reader(io.StringIO(b"".join(got.streaming_content).decode("utf-8-sig"))))
    assert len(rows) == 4 and rows[1][1] == "3"  # header, two days, the total
    got = b.get("/api/v1/reports/overview.xlsx", query)
    book = load_workbook(io.BytesIO(b"".join(got.streaming_content)))
    sheet = book.worksheets[0]
    values = list(sheet.values)
    assert values[1][1] == 3 and values[3][1] == 4  # day 1 created, total created
    tickets = b.get("/api/v1/reports/tickets.xlsx", {**query, "metric": "solved"})
    book = load_workbook(io.BytesIO(b"".join(tickets.streaming_content)))
    assert len(list(book.worksheets[0].values)) == 1 + 3


def test_it_continues_on_a_second_sheet_past_a_sheets_rows():
    rows = ({"n": i} for i in range(5))
    with export.xlsx_file([("n", "N")], rows, title="Tickets", per_sheet=3) as out:
        book = load_workbook(out)
    assert [ws.title for ws in book.worksheets] == ["Tickets", "Tickets 2"]
    assert [r[0] for r in book.worksheets[1].values] == ["N", 3, 4]


def test_it_neutralises_formulas_in_exported_text():
    chunks = b"".join(export.csv_chunks([("s", "S")], [{"s": "=HYPERLINK(1)"}, {"s": "-5"}]))
    assert "'=HYPERLINK" in chunks.decode("utf-8-sig") and "\n-5" in chunks.decode()


def test_it_reports_sla_per_target_and_drills_by_week_and_month(inbound, agent, support,
                                                                 supervisor, browser_as):
    sla_actions.set_group_policy(group=support, policy=policy("1 ч", minutes=60))
    me = Actor.of_agent(agent)
    for i, answer_after in enumerate((30, 120)):  # one in time, one late
        with time_machine.travel(DAY1 + timedelta(minutes=i), tick=False):
            t = inbound(f"Вопрос {i}", thread=f"s{i}", email=f"s{i}@example.ru",
                        ticket_defaults={"group_id": support.pk}).ticket
        with time_machine.travel(DAY1 + timedelta(minutes=i + answer_after), tick=False):
            reply(ticket=t, actor=me, text="Ответ")
    b = browser_as(supervisor)
    query = {"from": "2026-11-01", "to": "2026-11-30"}
    sla = b.get("/api/v1/reports/sla", query).json()
    assert sla == [{"target": "first_response", "responses_met": 1, "responses_breached": 1,
                    "responses_met_pct": 50.0, "tickets_met": 1, "tickets_breached": 1,
                    "tickets_met_pct": 50.0}]
    total = b.get("/api/v1/reports/overview", query).json()["total"]
    assert total["sla_met_pct"] == 50.0
    for group_by, key in (("week", "2026-11-02"), ("month", "2026-11")):
        drilled = b.get("/api/v1/reports/tickets", {**query, "group_by": group_by,
                                                    "key": key, "metric": "created"}).json()
        assert drilled["count"] == 2
    assert b.get("/api/v1/reports/tickets", {**query, "group_by": "week", "key": "2026-11-09",
                                             "metric": "created"}).json()["count"] == 0
