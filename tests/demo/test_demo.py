"""``helpwire demo``: the demo team, its clients and tickets, loaded once; bulk tickets."""

from __future__ import annotations

import stat
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db.models import Count, OuterRef, Q, Subquery

from helpwire.accounts.models import Agent, Group, Role
from helpwire.clients.models import Client, CompanyDomain, Identity
from helpwire.tickets import counters
from helpwire.tickets.models import Change, Message, MessageKind, Tag, Ticket

pytestmark = pytest.mark.django_db


def demo(*args: str) -> str:
    out = StringIO()
    call_command("demo", *args, verbosity=0, stdout=out)
    return out.getvalue()


def first_message_kinds() -> set[str]:
    first = Message.objects.filter(ticket=OuterRef("pk")).order_by("created_at", "id")
    return set(Ticket.objects.annotate(first=Subquery(first.values("kind")[:1]))
               .values_list("first", flat=True))


def test_it_loads_the_demo_team(_demo_data_dir: Path) -> None:
    output = demo()

    assert set(Group.objects.values_list("name", flat=True)) >= {
        "Техподдержка", "Внедрение", "Претензии"}
    agents = Agent.objects.filter(email__endswith="@helpwire.local")
    assert agents.count() == 6
    assert sorted(agents.values_list("role", flat=True)) == sorted(
        [Role.ADMIN, Role.SUPERVISOR, Role.AGENT, Role.AGENT, Role.AGENT, Role.CONTRACTOR])
    assert not agents.annotate(n=Count("groups")).filter(n=0).exists()

    assert 280 <= Client.objects.count() <= 320
    assert Client.objects.filter(is_internal=True, company__is_internal=True).exists()
    assert CompanyDomain.objects.filter(company__is_internal=True).exists()
    assert not Identity.objects.filter(kind="email", value__regex=r"[A-Z]").exists()
    assert not Identity.objects.filter(kind="phone").exclude(value__regex=r"^\+7\d{10}$").exists()

    assert Ticket.objects.count() == 2000
    assert first_message_kinds() == {MessageKind.INBOUND}
    assert Change.objects.filter(field="status").exists()
    assert Change.objects.filter(field="assignee").exists()
    assert max(len(path.split(" › ")) for path in Tag.objects.values_list("path", flat=True)) == 3

    login = _demo_data_dir / "demo-login.txt"
    assert stat.S_IMODE(login.stat().st_mode) == 0o600
    assert login.read_text().strip() in output
    password = login.read_text().split()[-1]
    assert Agent.objects.get(email="admin@helpwire.local").check_password(password)


def test_it_is_idempotent() -> None:
    first = demo()
    counts = (Ticket.objects.count(), Client.objects.count(), Agent.objects.count(),
              Tag.objects.count(), Message.objects.count())

    second = demo()

    assert (Ticket.objects.count(), Client.objects.count(), Agent.objects.count(),
            Tag.objects.count(), Message.objects.count()) == counts
    assert first.splitlines()[-1] == second.splitlines()[-1]  # the same login is printed


def test_it_adds_bulk_tickets() -> None:
    demo()
    before = set(Ticket.objects.values_list("pk", flat=True))

    demo("--tickets", "500", "--batch-size", "200")

    added = Ticket.objects.exclude(pk__in=before)
    assert added.count() == 500
    assert Ticket.objects.values("number").distinct().count() == Ticket.objects.count()
    assert not added.filter(messages__isnull=True).exists()
    assert first_message_kinds() == {MessageKind.INBOUND}
    assert Message.objects.filter(ticket__in=added).count() >= 500
    assert counters.total(Q()) == Ticket.objects.count()  # queue counts include them
    from helpwire.search.models import SearchDocument

    assert SearchDocument.objects.count() == Ticket.objects.count()  # and search finds them
