"""Intake under concurrency (PostgreSQL, real concurrent transactions) [CH1, TK3]."""

from __future__ import annotations

import threading

import pytest

from helpwire.clients.actions import merge_clients
from helpwire.clients.models import Client
from helpwire.connectors.types import InboundMessage, Sender
from helpwire.conversations import ingest
from helpwire.core import events
from helpwire.core.actors import Actor
from helpwire.tickets.merge import merge_tickets
from helpwire.tickets.models import Message, Status, ThreadKey, Ticket
from tests.conftest import as_agent
from tests.race import Window, errors, inside, only_in_thread, postgres_only, run_concurrently

pytestmark = [postgres_only, pytest.mark.django_db(transaction=True)]


def _message(channel, n: int, thread: str, email: str = "burst@example.ru") -> InboundMessage:
    return InboundMessage(channel_id=channel.pk, sender=Sender(name="Анна", email=email),
                          text=f"Сообщение {n}", subject="Заказ", thread_key=thread,
                          external_id=f"burst-{thread}-{n}")


def test_it_joins_two_simultaneous_messages_on_a_new_thread_into_one_ticket(api_channel):
    ingest(_message(api_channel, 0, "earlier"))  # the client card exists already
    window, flag = Window(2), threading.local()

    def hold(event) -> None:
        if getattr(flag, "on", False):
            window.arrive()

    def send(n: int):
        def run():
            with only_in_thread(flag):
                return ingest(_message(api_channel, n, "new-thread"))
        return run

    with inside(events.MESSAGE_RECEIVED, hold):
        results = run_concurrently(send(1), send(2))
    assert not errors(results), results
    key = ThreadKey.objects.get(channel=api_channel, key="new-thread")
    assert {r.ticket.pk for r in results} == {key.ticket_id}
    assert Ticket.objects.filter(client__identities__value="burst@example.ru").count() == 2
    assert Message.objects.filter(ticket_id=key.ticket_id).count() == 2


def test_it_follows_a_merge_that_commits_while_a_message_arrives(api_channel, admin):
    first = ingest(_message(api_channel, 1, "a")).ticket
    middle = ingest(_message(api_channel, 2, "b")).ticket
    last = ingest(_message(api_channel, 3, "c")).ticket
    actor = as_agent(admin)
    merge_tickets(source=first, target=middle, actor=actor)
    # The key as a reader may have seen it before that merge moved it: pointing at a ticket
    # whose target is itself about to be merged.
    ThreadKey.objects.filter(channel=api_channel, key="a").update(ticket=first)
    window, flag, holding = Window(2), threading.local(), threading.Event()

    def hold(event) -> None:
        if getattr(flag, "on", False):
            holding.set()
            window.arrive()  # until the client's message is blocked on the merge's locks

    def merge_middle():
        with only_in_thread(flag):
            return merge_tickets(source=middle, target=last, actor=actor)

    def client_writes():
        assert holding.wait(10)
        return ingest(_message(api_channel, 4, "a"))

    with inside(events.TICKET_MERGED, hold):
        results = run_concurrently(merge_middle, client_writes)
    assert not errors(results), results
    message = Message.objects.get(external_id="burst-a-4")
    assert message.ticket_id == last.pk
    middle.refresh_from_db()
    assert middle.status == Status.MERGED


def test_it_never_merges_two_cards_into_each_other(api_channel, admin):
    one = ingest(_message(api_channel, 1, "x", email="one@example.ru")).ticket.client
    two = ingest(_message(api_channel, 2, "y", email="two@example.ru")).ticket.client
    window, flag = Window(2), threading.local()

    def hold(event) -> None:
        if getattr(flag, "on", False):
            window.arrive()

    def merge(source: Client, target: Client):
        def run():
            with only_in_thread(flag):
                return merge_clients(source=source, target=target, actor=Actor.of_agent(admin))
        return run

    with inside(events.CLIENT_MERGED, hold):
        results = run_concurrently(merge(one, two), merge(two, one))
    failed = errors(results)
    # One merge wins; the other is refused with a clear error, never a deadlock.
    assert len(failed) == 1, results
    assert "deadlock" not in str(failed[0]).lower()
    one.refresh_from_db()
    two.refresh_from_db()
    assert (one.merged_into_id is None) != (two.merged_into_id is None)
    live = one if one.merged_into_id is None else two
    assert Ticket.objects.filter(client=live).count() == 2
