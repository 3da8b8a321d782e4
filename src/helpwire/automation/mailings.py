"""Mass mailings [AU7]: one template to a pasted list of addresses, or to the clients of the
tickets with a tag (Boxberry's outage notice, Mobifitness's "the feature you asked for is
here").

Each recipient gets a message of his own — never a list of addresses anyone can see — on a
ticket of his own in the ``mailing`` status, created with the mailing's group and tag: when
he answers, the ticket opens in that group, tagged. The sending is the resumable bulk job
(``tickets.bulk``), throttled to ``HELPWIRE_MAILING_PER_MINUTE`` messages a minute: each
recipient is claimed, his ticket and message written and the item marked done in one
transaction, so an interrupted mailing resumes without sending anyone a second copy (the
message's delivery key also stays fixed across delivery retries).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Count, OuterRef, Subquery
from django.utils.translation import gettext as _

from helpwire.accounts import permissions
from helpwire.accounts.models import Agent, Group
from helpwire.automation.models import Mailing, ReplyTemplate
from helpwire.clients.actions import identify_or_create, identity_pairs
from helpwire.clients.models import Identity, IdentityKind
from helpwire.connectors.models import Channel, ChannelKind
from helpwire.conversations.outbound import send_mailing_copy
from helpwire.conversations.rendering import render, variables
from helpwire.core.actors import Actor
from helpwire.tickets import bulk
from helpwire.tickets import tags as tag_tree
from helpwire.tickets.models import BulkJob, BulkJobItem, Message, MessageKind, Ticket

MAILING_JOB = "mailing"
MAX_RECIPIENTS = 10_000
_CHUNKS = re.compile(r"[\n,;]+")
_BRACKETED = re.compile(r"<([^<>]+)>")


@dataclass(frozen=True)
class Recipients:
    addresses: list[str]
    invalid: list[str]


def _valid(address: str) -> bool:
    try:
        validate_email(address)
    except ValidationError:
        return False
    return True


def parse_addresses(text: str) -> Recipients:
    """Addresses pasted one per line or separated by commas, semicolons or spaces;
    "Name <a@b>" works too. Duplicates are dropped (case-insensitively); a piece that is
    not an address is named whole."""
    good: list[str] = []
    bad: list[str] = []
    for chunk in _CHUNKS.split(text or ""):
        chunk = chunk.strip()
        if not chunk:
            continue
        bracketed = _BRACKETED.findall(chunk)
        found = [a.strip().lower() for a in (bracketed or chunk.split())]
        if found and all(_valid(a) for a in found):
            good += found
        else:
            bad.append(chunk)
    return Recipients(addresses=list(dict.fromkeys(good)), invalid=bad)


def clients_of_tag(path: str) -> list[str]:
    """The first email of each client with a ticket under the tag (its whole subtree)."""
    tag = tag_tree.find(path)
    if tag is None:
        raise ValidationError(_("There is no tag “%(path)s”.") % {"path": path},
                              code="unknown_tag")
    tagged = Ticket.tags.through.objects.filter(
        tag_id__in=tag_tree.subtree(tag).values("pk")).values("ticket_id")
    clients = Ticket.objects.filter(pk__in=tagged).values("client_id")
    first: dict[int, str] = {}
    for client_id, value in (Identity.objects.filter(client_id__in=clients,
                                                     kind=IdentityKind.EMAIL)
                             .order_by("client_id", "pk").values_list("client_id", "value")):
        first.setdefault(client_id, value)
    return list(dict.fromkeys(first.values()))


def start_mailing(*, agent: Agent, name: str, template: ReplyTemplate, channel: Channel,
                  subject: str, addresses: list[str], group: Group | None = None,
                  tag: str = "", source_tag: str = "") -> Mailing:
    """Check and queue a mailing; the worker sends it at the throttled pace."""
    permissions.require(agent, "mailing.send")
    if channel.kind != ChannelKind.EMAIL or not channel.is_active:
        raise ValidationError(_("A mailing goes out through an active mailbox."),
                              code="invalid_channel")
    if not addresses:
        raise ValidationError(_("There is nobody to send to."), code="no_recipients")
    if len(addresses) > MAX_RECIPIENTS:
        raise ValidationError(_("A mailing goes to at most %(max)s addresses."),
                              code="too_many_recipients", params={"max": MAX_RECIPIENTS})
    if not (subject or "").strip():
        raise ValidationError(_("A mailing needs a subject."), code="invalid_subject")
    if tag and tag_tree.find(tag) is None and not permissions.can(agent, "tag.create"):
        raise ValidationError(_("There is no tag “%(path)s”."), code="unknown_tag",
                              params={"path": tag})
    with transaction.atomic():
        mailing = Mailing.objects.create(
            name=(name or subject).strip()[:200], template=template, body=template.body,
            subject=subject.strip()[:500], channel=channel, group=group,
            tag=tag.strip(), source_tag=source_tag.strip(), recipients=len(addresses),
            created_by=agent)
        mailing.job = bulk.start_job(
            agent=agent, action=MAILING_JOB, targets=addresses, inline=False,
            params={"mailing_id": mailing.pk,
                    "per_minute": settings.HELPWIRE_MAILING_PER_MINUTE})
        mailing.save(update_fields=["job"])
    return mailing


def deliveries(mailings: list[Mailing]) -> dict[int, dict[str, int]]:
    """For each mailing, its copies by delivery state (queued, sent, failed): one query."""
    jobs = {m.job_id: m.pk for m in mailings if m.job_id}
    if not jobs:
        return {}
    job_of = Subquery(BulkJobItem.objects.filter(job_id__in=list(jobs),
                                                 ticket_id=OuterRef("ticket_id"))
                      .values("job_id")[:1])
    rows = (Message.objects.filter(kind=MessageKind.OUTBOUND, ticket_id__in=BulkJobItem.objects
                                   .filter(job_id__in=list(jobs)).values("ticket_id"))
            .annotate(job=job_of).values("job", "delivery_state").annotate(n=Count("pk"))
            .order_by())
    out: dict[int, dict[str, int]] = {}
    for row in rows:
        out.setdefault(jobs[row["job"]], {})[row["delivery_state"]] = row["n"]
    return out


@bulk.item_handler(MAILING_JOB)
def _send_one(job: BulkJob, item: BulkJobItem, actor: Actor) -> bool:
    mailing = Mailing.objects.select_related("channel", "group").filter(
        pk=job.params.get("mailing_id")).first()
    if mailing is None:
        raise ValidationError(_("The mailing was deleted."))
    if actor.agent is None or not permissions.can(actor.agent, "mailing.send"):
        raise PermissionDenied(_("You may no longer send mailings."))
    pairs, _problems = identity_pairs(email=item.target)
    client = identify_or_create(actor=actor, name="", pairs=pairs)

    def text(ticket: Ticket) -> str:
        return render(mailing.body, variables(ticket=ticket, agent=actor.agent))

    message = send_mailing_copy(client=client, channel=mailing.channel, actor=actor,
                                subject=mailing.subject, text=text, group=mailing.group,
                                tags=[mailing.tag] if mailing.tag else [])
    item.ticket_id = message.ticket_id
    item.save(update_fields=["ticket_id"])
    return True
