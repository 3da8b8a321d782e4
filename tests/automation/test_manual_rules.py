"""Manual rules [AU6] as Boxberry runs them: everyone tagged «Авария 12.03» gets the
template and loses the tag, from a saved filter or a selection, through the API or the bulk
bar — and nobody gets it twice, whether the run is repeated or interrupted."""

from __future__ import annotations

import pytest

from helpwire.automation import actions, manual, rule_inputs
from helpwire.automation.models import ReplyTemplate, Rule
from helpwire.tickets import bulk
from helpwire.tickets.actions import update_ticket
from helpwire.tickets.models import BulkJob, Message, MessageKind, Tag
from helpwire.workspace.models import SavedView
from tests.api.conftest import Api
from tests.conftest import as_agent

OUTAGE = "Авария 12.03"


@pytest.fixture
def outage_rule(db) -> Rule:
    template = ReplyTemplate.objects.create(
        title="Авария устранена", body="{{client.first_name}}, сбой устранён (№{{ticket.number}}).")
    return actions.create_rule(values=rule_inputs.clean(
        name="Авария устранена", enabled=True, mode="manual", events=[], conditions={
            "all": [{"field": "tag", "op": "is", "value": OUTAGE}]},
        actions=[{"type": "reply_template", "template_id": template.pk},
                 {"type": "remove_tags", "tags": [OUTAGE]}], stop=False))


def tagged(inbound, agent, support, n: int, start: int = 0) -> list:
    Tag.objects.get_or_create(name=OUTAGE, parent=None)
    out = []
    for i in range(start, start + n):
        t = inbound(f"Не работает {i}", thread=f"o{i}", email=f"c{i}@example.ru",
                    ticket_defaults={"group_id": support.pk}).ticket
        out.append(update_ticket(ticket=t, actor=as_agent(agent), add_tags=[OUTAGE]))
    return out


def sent(ticket) -> int:
    return Message.objects.filter(ticket=ticket, kind=MessageKind.OUTBOUND,
                                  actor_kind="rule").count()


def test_it_sends_everyone_tagged_the_template_and_drops_the_tag(
        inbound, agent, support, outage_rule):
    tickets = tagged(inbound, agent, support, 3)
    view = SavedView.objects.create(name="Авария", owner=agent, filters={"tag": OUTAGE})
    api = Api(agent)
    r = api.post(f"/rules/{outage_rule.pk}/run", {"saved_filter_id": view.pk})
    assert r.status_code == 202, r.content
    job = r.json()
    assert (job["state"], job["total"], job["done"]) == ("done", 3, 3)
    for t in tickets:
        assert sent(t) == 1 and not t.tags.exists()
        body = Message.objects.get(ticket=t, kind=MessageKind.OUTBOUND).body_text
        assert f"№{t.number}" in body
    assert api.get(f"/jobs/{job['id']}").json()["done"] == 3
    # The filter is empty now: running it again has nothing to do.
    again = api.post(f"/rules/{outage_rule.pk}/run", {"saved_filter_id": view.pk})
    assert again.status_code == 400 and again.json()["error"]["code"] == "empty_selection"


def test_it_never_sends_twice_when_run_again_on_the_same_tickets(
        inbound, agent, support, outage_rule):
    tickets = tagged(inbound, agent, support, 2)
    ids = [t.pk for t in tickets]
    first = manual.run_rule(rule=outage_rule, agent=agent, ticket_ids=ids)
    for t in tickets:  # tagged again by a colleague: the conditions hold once more
        update_ticket(ticket=t, actor=as_agent(agent), add_tags=[OUTAGE])
    second = manual.run_rule(rule=outage_rule, agent=agent, ticket_ids=ids)
    assert (first.done, second.done, second.skipped) == (2, 0, 2)
    assert [sent(t) for t in tickets] == [1, 1]


def test_it_resumes_an_interrupted_run_without_a_double_send(
        inbound, agent, support, outage_rule, monkeypatch):
    tickets = tagged(inbound, agent, support, 25)
    job = manual.run_rule(rule=outage_rule, agent=agent, ticket_ids=[t.pk for t in tickets])
    assert job.state == BulkJob.State.RUNNING and job.done == 0  # over 20: the worker's
    assert bulk.run(job.pk, limit=7) is True  # the worker's task stopped after 7
    # The worker dies in the middle of the 8th ticket, after its reply was written.
    real = manual.engine.run
    calls = {"n": 0}

    def dying(**kwargs):
        fired = real(**kwargs)
        calls["n"] += 1
        if calls["n"] == 1:
            raise SystemExit("worker killed")
        return fired

    monkeypatch.setattr(manual.engine, "run", dying)
    with pytest.raises(SystemExit):
        bulk.run(job.pk)
    monkeypatch.setattr(manual.engine, "run", real)
    bulk.run(job.pk)  # handed out again
    job.refresh_from_db()
    assert (job.state, job.done, job.failed, job.skipped) == ("done", 25, 0, 0)
    assert [sent(t) for t in tickets] == [1] * 25


def test_it_runs_only_manual_rules_and_only_on_tickets_the_agent_sees(
        inbound, agent, other_agent, support, outage_rule):
    tickets = tagged(inbound, agent, support, 1)
    api = Api(other_agent)  # another group: the ticket is not his to see
    r = api.post(f"/rules/{outage_rule.pk}/run", {"ticket_ids": [tickets[0].pk]})
    assert r.status_code == 400 and sent(tickets[0]) == 0
    event_rule = actions.create_rule(values=rule_inputs.clean(
        name="Событийное", enabled=True, mode="event", events=["ticket.created"],
        conditions={}, actions=[{"type": "spam"}], stop=False))
    r = Api(agent).post(f"/rules/{event_rule.pk}/run", {"ticket_ids": [tickets[0].pk]})
    assert r.status_code == 404


def test_it_runs_a_rule_from_the_bulk_bar(browser_as, inbound, agent, support, outage_rule):
    tickets = tagged(inbound, agent, support, 2)
    b = browser_as(agent)
    page = b.get("/queues/all/").content.decode()
    assert "Авария устранена" in page and 'data-for="rule"' in page
    r = b.post("/bulk/", {"action": "rule", "value_rule": outage_rule.pk,
                          "ids": [t.pk for t in tickets],
                          "list_path": "/queues/all/", "list_query": ""},
               HTTP_HX_REQUEST="true")
    assert r.status_code == 200, r.content
    assert [sent(t) for t in tickets] == [1, 1]
    job = BulkJob.objects.get()
    assert f'id="job-{job.pk}"' in r.content.decode()  # the job's summary came back
    assert (job.state, job.done) == ("done", 2)
