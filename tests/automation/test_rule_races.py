"""Round robin under concurrency [AU1]: two tickets routed at the same moment by the same
rule go to different agents (the rule row holds the turn and is locked after the ticket)."""

from __future__ import annotations

import pytest
from django.db import transaction

from helpwire.tickets.models import Ticket
from tests.automation.test_rules import rule
from tests.conftest import _agent
from tests.race import Window, errors, postgres_only, run_concurrently

pytestmark = [postgres_only, pytest.mark.django_db(transaction=True)]


def test_it_gives_two_tickets_routed_at_once_to_two_agents(inbound, support):
    first, second = _agent("agent", "Аня", support), _agent("agent", "Борис", support)
    rule(actions=[{"type": "assign", "group_id": support.pk, "strategy": "round_robin"}])
    window = Window(2)

    def route(n: int):
        def run():
            with transaction.atomic():
                ticket = inbound(f"Вопрос {n}", email=f"rr{n}@example.ru").ticket
                window.arrive()  # both routed, neither committed
                return ticket.pk
        return run

    results = run_concurrently(route(1), route(2))
    assert not errors(results), results
    picked = sorted(Ticket.objects.filter(pk__in=results).values_list("assignee_id", flat=True))
    assert picked == sorted([first.pk, second.pk])
