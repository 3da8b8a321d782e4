"""``ingest``: the one way a message from outside becomes part of a ticket.

Every connector (and the API, and an agent recording a call) hands an ``InboundMessage``
here. In one transaction: drop exact duplicates, identify the client, thread the message
onto a ticket (or open one), store it with its attachments, and record the events that
rules, SLA and webhooks subscribe to. Locks follow ``tickets.locks``: the conversation key,
then the client card, then the ticket.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from helpwire.accounts import permissions
from helpwire.accounts.models import Agent, Group
from helpwire.clients.actions import hold, identify_or_create, identity_pairs
from helpwire.clients.models import Client
from helpwire.connectors.models import SHARED_KEYS, Channel, key_scope
from helpwire.connectors.types import InboundMessage
from helpwire.conversations import attachments
from helpwire.conversations.sanitize import clean_html, html_to_text, text_to_html
from helpwire.core import events
from helpwire.core.actors import Actor
from helpwire.tickets import actions, locks
from helpwire.tickets.merge import resolve_merged
from helpwire.tickets.models import Message, MessageKind, Status, ThreadKey, Ticket


@dataclass(frozen=True)
class IngestResult:
    ticket: Ticket
    message: Message
    created: bool = False  # a new ticket was opened
    duplicate: bool = False  # this exact message was already here; nothing was written


def ingest(inbound: InboundMessage, *, recorded_by: Agent | None = None,
           as_client: bool = False, channel: Channel | None = None) -> IngestResult:
    """Take one inbound message.

    ``recorded_by`` is the agent who typed it in — a phone call or a walk-in on the manual
    channel — or whose API token submitted it. Then his permission is checked, bad contacts
    and oversized files are errors rather than notes, and the message is his action (the
    ticket opens). With ``as_client`` the message is the client's own words passed on by an
    integration (a site form through the API): authored by the client, the ticket stays new.
    ``channel`` is ``inbound.channel_id``'s row when the caller holds it already.
    """
    if recorded_by is not None:
        permissions.require(recorded_by, "ticket.create")
        # An agent can be told "too large" and try again; refuse before writing anything.
        for item in inbound.attachments:
            attachments.check_size(item)
    if channel is None or channel.pk != inbound.channel_id:
        channel = Channel.objects.get(pk=inbound.channel_id)
    if inbound.attachments:
        # A copy already here need not have its files written again (checked once more
        # under the lock below, which is what decides).
        duplicate = _existing(inbound, channel)
        if duplicate is not None:
            return duplicate
    # Files first, durably, outside the transaction: a row never exists without its file.
    files = attachments.prepare(inbound.attachments)
    try:
        result = _ingest(inbound, channel, recorded_by, as_client, files)
    except IntegrityError:
        attachments.discard(files)
        # Two workers took the same message at once: the loser's transaction rolled back
        # whole, and the winner's copy is the answer.
        duplicate = _existing(inbound, channel)
        if duplicate is None:
            raise
        return duplicate
    except BaseException:
        attachments.discard(files)
        raise
    if result.duplicate:
        attachments.discard(files)
    return result


def _same_space(channel: Channel, field: str = "channel") -> dict[str, object]:
    """A filter for rows in this channel's key space (every mailbox shares one)."""
    if channel.kind in SHARED_KEYS:
        return {f"{field}__kind": channel.kind}
    return {field: channel}


def _existing(inbound: InboundMessage, channel: Channel) -> IngestResult | None:
    if not inbound.external_id:
        return None
    message = (Message.objects.select_related("ticket")
               .filter(external_id=inbound.external_id, **_same_space(channel)).first())
    return IngestResult(ticket=message.ticket, message=message, duplicate=True) if message else None


def _keys(inbound: InboundMessage) -> list[str]:
    return list(dict.fromkeys(k[:500] for k in (inbound.thread_key, *inbound.related_keys) if k))


def _known_keys(channel: Channel, keys: list[str]) -> dict[str, ThreadKey]:
    """The rows of these keys (the caller holds their advisory locks, so they stay put)."""
    if not keys:
        return {}
    return {tk.key: tk for tk in ThreadKey.objects.filter(key__in=keys, **_same_space(channel))}


def _find_thread(known: dict[str, ThreadKey], keys: list[str]) -> Ticket | None:
    """The ticket the first known key leads to, locked, following merges (each hop locked
    and re-read, so a merge committing meanwhile is followed, not missed)."""
    for key in keys:
        if key in known:
            return resolve_merged(locks.lock_ticket(known[key].ticket_id), lock=True)
    return None


def _remember_keys(channel: Channel, keys: list[str], known: dict[str, ThreadKey],
                   ticket: Ticket) -> None:
    """Every key of the message now leads to this ticket (a closed ticket's keys lead to
    its follow-up)."""
    for key in keys:
        tk = known.get(key)
        if tk is None:
            ThreadKey.objects.create(channel=channel, key=key, ticket=ticket)
        elif tk.ticket_id != ticket.pk:
            ThreadKey.objects.filter(pk=tk.pk).update(ticket=ticket)


def _defaults(inbound: InboundMessage) -> dict[str, object]:
    """Ticket attributes a trusted source (the API) sent along, resolved to objects."""
    d: dict[str, Any] = dict(inbound.ticket_defaults)
    out: dict[str, object] = {}
    for key in ("priority", "type"):
        if d.get(key):
            out[key] = d[key]
    if d.get("group_id") is not None:
        group = Group.objects.filter(pk=d["group_id"]).first()
        if group is None:
            raise ValidationError(_("No group with id %(id)s."), code="invalid_group",
                                  params={"id": d["group_id"]})
        out["group"] = group
    if d.get("assignee_id") is not None:
        agent = Agent.objects.filter(pk=d["assignee_id"]).first()
        if agent is None:
            raise ValidationError(_("No agent with id %(id)s."), code="invalid_assignee",
                                  params={"id": d["assignee_id"]})
        out["assignee"] = agent
    if d.get("tags"):
        out["tag_paths"] = list(d["tags"])  # type: ignore[call-overload]
    if d.get("fields"):
        out["field_values"] = d["fields"]
    if d.get("internal"):
        out["internal"] = True
    return out


@transaction.atomic
def _ingest(inbound: InboundMessage, channel: Channel, recorded_by: Agent | None,
            as_client: bool, files: list[attachments.Prepared]) -> IngestResult:
    keys = _keys(inbound)
    # One key, one ticket: a second message on the same new key waits here for the first
    # to commit its ticket and key, then joins it. The message's own id is locked too, so
    # one mail reaching two mailboxes at once is stored once.
    scope = key_scope(channel.kind, channel.pk)
    own = [f"id:{inbound.external_id}"] if inbound.external_id else []
    locks.lock_thread_keys(scope, [*keys, *own])
    duplicate = _existing(inbound, channel)
    if duplicate is not None:
        return duplicate
    sender = inbound.sender
    pairs, problems = identity_pairs(email=sender.email, phone=sender.phone,
                                     handles=sender.handles, strict=recorded_by is not None)
    if inbound.client_id is not None and recorded_by is not None:
        picked = Client.objects.filter(pk=inbound.client_id).first()
        if picked is None or not permissions.can(recorded_by, "client.view", picked):
            raise ValidationError(_("No client with id %(id)s."), code="invalid_client",
                                  params={"id": inbound.client_id})
        client = hold(picked)
    else:
        # A card made while an agent records a message is his (he sees it from then on).
        maker = Actor.of_agent(recorded_by) if recorded_by is not None else Actor.system(
            channel.name)
        client = identify_or_create(actor=maker, name=sender.name, pairs=pairs)
    by_agent = recorded_by is not None and not as_client
    actor = Actor.of_agent(recorded_by) if by_agent else Actor.of_client(client)  # type: ignore[arg-type]
    at = inbound.received_at or timezone.now()

    known = _known_keys(channel, keys)
    ticket = _find_thread(known, keys)
    created = False
    if ticket is None or ticket.status == Status.CLOSED:
        # A message on a closed ticket starts a new one that remembers the old.
        ticket = actions.create_ticket(
            client=client, channel=channel, actor=actor, subject=inbound.subject,
            previous=ticket, created_at=at,
            creator=Actor.of_agent(recorded_by) if recorded_by is not None else None,
            **_defaults(inbound),  # type: ignore[arg-type]
        )
        created = True
        if recorded_by is not None and not permissions.can(recorded_by, "ticket.view", ticket):
            # Refused before anything is kept (the transaction rolls back): a ticket its
            # author could not see would be answered "not found" and then sent again.
            raise PermissionDenied(_("You may not open tickets there (a group or channel "
                                     "that is not yours)."))
    _remember_keys(channel, keys, known, ticket)

    html = clean_html(inbound.html) if inbound.html else text_to_html(inbound.text)
    meta = dict(inbound.meta)
    if recorded_by is not None:
        meta["submitted_by"] = recorded_by.pk
    if problems:
        meta["identity_problems"] = problems
    message = Message.objects.create(
        ticket=ticket, kind=MessageKind.INBOUND, channel=channel,
        body_html=html, body_text=inbound.text or html_to_text(html),
        external_id=inbound.external_id or None, meta=meta, created_at=at,
        **actor.columns(),
    )
    attachments.record(message, files)

    if by_agent:
        actions.note_agent_message(ticket=ticket, actor=actor, at=at, public=False)
    elif not created:
        actions.note_client_message(ticket=ticket, actor=actor, at=at)
    events.emit(events.MESSAGE_RECEIVED, actor=actor, ticket_id=ticket.pk,
                message_id=message.pk, channel_id=channel.pk, new_ticket=created,
                in_hand={"ticket": ticket, "message": message})
    return IngestResult(ticket=ticket, message=message, created=created)
