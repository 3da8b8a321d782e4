"""A reply that cannot be delivered says so on the message and tells its author at once; the
reply box offers only channels that can reach the client [CH9; data safety]."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from helpwire.connectors.models import Channel, ChannelKind
from helpwire.conversations import reply
from helpwire.conversations.outbound import reply_channels
from helpwire.conversations.tasks import deliver_message
from helpwire.tickets.models import DeliveryState, Message
from tests.conftest import as_agent


def test_it_fails_a_reply_on_a_channel_without_connector_and_tells_its_author(
        browser_as, agent, inbound, support, monkeypatch):
    mailbox = Channel.objects.create(kind=ChannelKind.TELEGRAM, name="@shop_support_bot")
    ticket = inbound("Письмо", channel=mailbox, thread="mail-1",
                     ticket_defaults={"group_id": support.pk}).ticket
    sent_at = timezone.now()
    message = reply(ticket=ticket, actor=as_agent(agent), text="Ответ")
    # The worker picks it up right after commit; a minute later at most it is settled.
    monkeypatch.setattr(timezone, "now", lambda: sent_at + timedelta(seconds=5))
    assert deliver_message.call(message.pk) == DeliveryState.FAILED
    stored = Message.objects.get(pk=message.pk)
    assert stored.delivery_state == DeliveryState.FAILED
    assert "@shop_support_bot" in stored.delivery_error
    note = agent.notifications.get(kind="delivery_failed")
    assert note.ticket_id == ticket.pk and str(ticket.number) in note.text
    monkeypatch.undo()
    html = browser_as(agent).get(f"/tickets/{ticket.pk}/").content.decode()
    assert 'class="delivery d-failed"' in html and "@shop_support_bot" in html


def test_it_shows_a_queued_reply_with_the_time_of_its_next_try(browser_as, agent, ticket):
    message = reply(ticket=ticket, actor=as_agent(agent), text="Ответ")
    later = timezone.now() + timedelta(minutes=7)
    Message.objects.filter(pk=message.pk).update(next_attempt_at=later,
                                                 delivery_error="503 from the far side")
    html = browser_as(agent).get(f"/tickets/{ticket.pk}/").content.decode()
    local = timezone.localtime(later).strftime("%H:%M")
    assert local in html and "503 from the far side" in html


def test_it_offers_only_channels_that_can_reach_the_client(inbound, support):
    mailbox = Channel.objects.create(kind=ChannelKind.EMAIL, name="info@shop.example")
    phone = Channel.objects.create(kind=ChannelKind.PHONE, name="Телефония")
    ticket = inbound("Письмо", channel=mailbox, thread="mail-2",
                     ticket_defaults={"group_id": support.pk}).ticket
    inbound("Через API", thread="api-2")  # the same client, on the API channel
    inbound("Звонок", channel=phone, thread="call-3")
    # API and telephony cannot carry this email client's reply; only his own mailbox can.
    assert reply_channels(ticket) == [mailbox]
