"""Personas shared by every test: a team of four roles, two channels and a client."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest
from django.test import Client as Browser

from helpwire.accounts.models import Agent, Group, Role
from helpwire.clients.models import Client
from helpwire.connectors.models import Channel, ChannelKind
from helpwire.connectors.types import InboundMessage, Sender
from helpwire.conversations import ingest
from helpwire.conversations.intake import IngestResult
from helpwire.core.actors import Actor

_seq = itertools.count(1)


@pytest.fixture(autouse=True)
def _data_dir(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "attachments"
    settings.HELPWIRE_MAIL_DIR = tmp_path / "mail"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


@pytest.fixture
def support(db) -> Group:
    return Group.objects.create(name="Техподдержка")


@pytest.fixture
def claims(db) -> Group:
    return Group.objects.create(name="Претензии")


def _agent(role: str, name: str, *groups: Group) -> Agent:
    agent = Agent.objects.create_user(f"{role}{next(_seq)}@helpwire.test", "pw-123456",
                                      name=name, role=role)
    if groups:
        agent.groups.set(groups)
    return agent


@pytest.fixture
def admin(db) -> Agent:
    return _agent(Role.ADMIN, "Алина Админ")


@pytest.fixture
def supervisor(db) -> Agent:
    return _agent(Role.SUPERVISOR, "Светлана Старшая")


@pytest.fixture
def agent(support) -> Agent:
    return _agent(Role.AGENT, "Иван Агент", support)


@pytest.fixture
def other_agent(claims) -> Agent:
    return _agent(Role.AGENT, "Пётр Претензии", claims)


@pytest.fixture
def contractor(db) -> Agent:
    return _agent(Role.CONTRACTOR, "Кирилл Подрядчик")


@pytest.fixture
def api_channel(db) -> Channel:
    return Channel.builtin(ChannelKind.API)


@pytest.fixture
def manual_channel(db) -> Channel:
    return Channel.builtin(ChannelKind.MANUAL)


@pytest.fixture
def inbound(api_channel) -> Callable[..., IngestResult]:
    """Send a client message in through the one intake path."""

    def send(text: str = "Здравствуйте, не приходит посылка", *, email: str = "",
             phone: str = "", name: str = "Мария Клиентова", thread: str | None = None,
             external_id: str | None = None, subject: str = "Посылка",
             channel: Channel | None = None, **extra: object) -> IngestResult:
        if not (email or phone or extra.get("handles")):
            email = "maria@example.ru"
        handles = extra.pop("handles", {})
        return ingest(InboundMessage(
            channel_id=(channel or api_channel).pk,
            sender=Sender(name=name, email=email, phone=phone, handles=handles),  # type: ignore[arg-type]
            text=text, subject=subject, thread_key=thread, external_id=external_id,
            **extra,  # type: ignore[arg-type]
        ))

    return send


@pytest.fixture
def ticket(inbound, support):
    """A new ticket in the support group, from a client who wrote through the API."""
    return inbound(thread="t-1", external_id="m-1",
                   ticket_defaults={"group_id": support.pk}).ticket


@pytest.fixture
def client_card(ticket) -> Client:
    return ticket.client


def as_agent(agent: Agent) -> Actor:
    return Actor.of_agent(agent)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Race tests need PostgreSQL's row locks, query-plan tests are about SQLite's planner,
    and the slowest tests run once, on PostgreSQL: each is deselected on the other database —
    and the summary says so, never a silent skip."""
    from django.conf import settings

    on_pg = "postgresql" in settings.DATABASES["default"]["ENGINE"]
    others = {"sqlite"} if on_pg else {"postgres", "slow"}

    def elsewhere(item: pytest.Item) -> bool:
        return any(item.get_closest_marker(m) is not None for m in others)

    dropped = [i for i in items if elsewhere(i)]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = [i for i in items if not elsewhere(i)]
        config.stash[_DESELECTED] = (len(dropped), "/".join(sorted(others)))


_DESELECTED = pytest.StashKey[tuple[int, str]]()


def pytest_terminal_summary(terminalreporter, config: pytest.Config) -> None:
    n, marker = config.stash.get(_DESELECTED, (0, ""))
    if n:
        where = ("SQLite (no DATABASE_URL)" if marker == "sqlite"
                 else "DATABASE_URL=postgres://…")
        terminalreporter.write_line(
            f"{n} tests marked '{marker}' were deselected on this database; they run with "
            f"{where} (CI runs both).")


@pytest.fixture
def browser_as():
    """A logged-in browser session for an agent (Django's test client)."""

    def make(agent):
        b = Browser()
        b.force_login(agent)
        return b

    return make


@pytest.fixture
def tag_tree(db) -> None:
    """The tags an administrator has put in the tree (agents pick from it; only tag.create
    grows it)."""
    from helpwire.tickets import tags

    for path in ("Доставка › Сроки › Задержка", "Оплата › Возврат", "Звонки", "A", "B"):
        tags.ensure(path)
