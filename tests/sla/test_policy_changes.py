"""Who may change a ticket's SLA [SL3], and rules that set it: a plain agent is refused,
the supervisor's change is a history line and an sla.changed event a rule alerts the lead on;
Boxberry's keyword policy set by a rule stays through a reassignment."""

from __future__ import annotations

from helpwire.accounts.models import Notification
from helpwire.automation import actions as rule_actions
from helpwire.automation import rule_inputs
from helpwire.sla.models import TicketSla
from helpwire.tickets.actions import update_ticket
from helpwire.tickets.models import Change
from tests.api.conftest import Api
from tests.conftest import as_agent
from tests.sla.test_tracking import mobifitness, policy  # noqa: F401  (a fixture)


def test_a_plain_agent_may_not_buy_himself_time(inbound, agent, supervisor, support,
                                                mobifitness):  # noqa: F811
    rule_actions.create_rule(values=rule_inputs.clean(
        name="SLA изменён → руководителю", enabled=True, mode="event", events=["sla.changed"],
        conditions={}, actions=[{"type": "notify", "agent_ids": [supervisor.pk],
                                 "text": "SLA изменили"}], stop=False))
    ticket = inbound("Вопрос", thread="c1", ticket_defaults={"group_id": support.pk}).ticket
    slower = mobifitness["implementation"]
    refused = Api(agent).patch(f"/tickets/{ticket.pk}", {"sla_policy_id": slower.pk})
    assert refused.status_code == 403
    assert TicketSla.objects.get(ticket=ticket).policy == mobifitness["support"]
    assert not Change.objects.filter(ticket=ticket, field="sla_policy").exists()

    done = Api(supervisor).patch(f"/tickets/{ticket.pk}", {"sla_policy_id": slower.pk})
    assert done.status_code == 200, done.content
    assert done.json()["sla"]["policy"] == {"id": slower.pk, "name": "Внедрение 4 ч",
                                            "source": "manual"}
    line = Change.objects.get(ticket=ticket, field="sla_policy")
    assert (line.old, line.new, line.actor_agent_id) == ("Поддержка 1 ч", "Внедрение 4 ч",
                                                         supervisor.pk)
    assert Notification.objects.filter(agent=supervisor, kind="rule").count() == 1
    back = Api(supervisor).patch(f"/tickets/{ticket.pk}", {"sla_policy": "group"})
    assert back.json()["sla"]["policy"]["source"] == "group"


def test_a_rule_sets_the_keyword_policy_and_it_survives_a_move(inbound, agent, support, claims,
                                                               mobifitness):  # noqa: F811
    burning = policy("Авария 3 ч", minutes=180)
    rule_actions.create_rule(values=rule_inputs.clean(
        name="Авария → 3 ч", enabled=True, mode="event", events=["ticket.created"],
        conditions={"all": [{"field": "text", "op": "word_forms", "value": ["авария"]}]},
        actions=[{"type": "set_sla_policy", "policy_id": burning.pk}], stop=False))
    ticket = inbound("У нас авария на складе", thread="c2",
                     ticket_defaults={"group_id": support.pk}).ticket
    row = TicketSla.objects.get(ticket=ticket)
    assert (row.policy, row.source) == (burning, "rule")
    line = Change.objects.get(ticket=ticket, field="sla_policy")
    assert line.actor_kind == "rule" and line.actor_name == "Авария → 3 ч"
    update_ticket(ticket=ticket, actor=as_agent(agent), group=claims)
    row.refresh_from_db()
    assert row.policy == burning  # set by a rule: it stays until a rule or a person changes it


def test_a_supervisor_moves_a_deadline_and_an_agent_may_not(inbound, agent, supervisor, support,
                                                            mobifitness):  # noqa: F811
    from datetime import datetime, timedelta

    import time_machine

    from tests.sla.test_tracking import MONDAY

    with time_machine.travel(MONDAY, tick=False):
        ticket = inbound("Вопрос", thread="d1", ticket_defaults={"group_id": support.pk}).ticket
    later = (MONDAY + timedelta(hours=3)).isoformat()
    with time_machine.travel(MONDAY + timedelta(minutes=30), tick=False):
        refused = Api(agent).patch(f"/tickets/{ticket.pk}",
                                   {"sla_due_at": {"first_response": later}})
        assert refused.status_code == 403
        done = Api(supervisor).patch(f"/tickets/{ticket.pk}",
                                     {"sla_due_at": {"first_response": later}})
    assert done.status_code == 200, done.content
    first = done.json()["sla"]["first_response"]
    assert datetime.fromisoformat(first["due_at"]) == MONDAY + timedelta(hours=3)
    assert first["remaining_s"] == int(2.5 * 3600)
    line = Change.objects.get(ticket=ticket, field="sla_due:first_response")
    assert line.actor_agent_id == supervisor.pk
