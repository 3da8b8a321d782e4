"""Asking clients to rate a ticket [RP1 AU10].

When a ticket reaches the chosen status (solved by default) the client is asked: the reply
that set the status carries three links, or, when the status was set without a reply, an
automatic message on an email ticket does. Each link holds a signed, expiring token of the
rating (a bare id would let anyone rate anyone's ticket); the landing page records a grade
only by a POST from the page, because mail scanners follow every link with a GET.
"""

from __future__ import annotations

from html import escape

from django.conf import settings
from django.core import signing
from django.utils import translation
from django.utils.translation import gettext as _

from helpwire.connectors.models import ChannelKind
from helpwire.conversations import reply
from helpwire.core import events
from helpwire.core.actors import Actor, ActorKind
from helpwire.core.models import Event
from helpwire.reports.models import Frequency, Grade, Rating, RatingSettings
from helpwire.tickets.models import Message, MessageKind, Ticket

_SALT = "helpwire.rating"
GRADE_ORDER = (Grade.GOOD, Grade.NORMAL, Grade.BAD)


class LinkError(Exception):
    """A link that is forged, expired or for a rating that is gone."""


def current() -> RatingSettings:
    found = RatingSettings.objects.filter(pk=1).first()
    return found or RatingSettings(pk=1)


def token(rating: Rating) -> str:
    return signing.TimestampSigner(salt=_SALT).sign(str(rating.pk))


def rating_of(value: str, *, max_days: int | None = None) -> Rating:
    days = max_days if max_days is not None else current().link_days
    try:
        pk = signing.TimestampSigner(salt=_SALT).unsign(value, max_age=days * 86400)
    except signing.SignatureExpired as exc:
        raise LinkError(_("This link has expired.")) from exc
    except signing.BadSignature as exc:
        raise LinkError(_("This link is not valid.")) from exc
    found = Rating.objects.select_related("ticket", "agent").filter(pk=int(pk)).first()
    if found is None:
        raise LinkError(_("This link is not valid."))
    return found


def link(rating: Rating, grade: str) -> str:
    return f"{settings.HELPWIRE_BASE_URL}/rate/{token(rating)}/?grade={grade}"


def footer(rating: Rating) -> tuple[str, str]:
    """The block appended to the email: (HTML, text)."""
    labels = {Grade.GOOD: _("Good"), Grade.NORMAL: _("Normal"), Grade.BAD: _("Bad")}
    ask = _("Please rate our answer:")
    links = [(labels[g], link(rating, g)) for g in GRADE_ORDER]
    html = (f'<div class="rating"><p>{escape(ask)}</p><p>'
            + " &nbsp; ".join(f'<a href="{escape(url)}">{escape(str(label))}</a>'
                              for label, url in links) + "</p></div>")
    text = "\n\n" + ask + "\n" + "\n".join(f"{label}: {url}" for label, url in links)
    return html, text


def _reply_now(ticket: Ticket) -> Message | None:
    """The public reply an agent sent in the step that set the status, if any."""
    found = (Message.objects.filter(ticket=ticket, kind=MessageKind.OUTBOUND,
                                    actor_kind=ActorKind.AGENT,
                                    created_at=ticket.status_changed_at).order_by("-id"))
    # In Python: a JSON key's absence is NULL in SQL, which an exclude() would drop too.
    return next((m for m in found if not (m.meta or {}).get("automatic")), None)


def _rated_agent(ticket: Ticket) -> int | None:
    """Who answered: the author of the last public agent reply, else the assignee."""
    replies = (Message.objects.filter(ticket=ticket, kind=MessageKind.OUTBOUND,
                                      actor_kind=ActorKind.AGENT)
               .order_by("-created_at", "-id").values_list("actor_agent_id", "meta")[:20])
    last = next((a for a, meta in replies if not (meta or {}).get("automatic")), None)
    return last or ticket.assignee_id


def _attach(message: Message, rating: Rating) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        html, text = footer(rating)
    message.meta = {**(message.meta or {}), "footer_html": html, "footer_text": text,
                    "rating_id": rating.pk}
    message.save(update_fields=["meta"])
    rating.message = message
    rating.save(update_fields=["message"])


@events.in_transaction(events.TICKET_CHANGED, order=70)
def _request(event: Event) -> None:
    change = (event.payload.get("changes") or {}).get("status")
    if not change or event.ticket_id is None:
        return
    conf = current()
    if not conf.enabled or change[1] != conf.ask_on:
        return
    ticket = Ticket.objects.select_related("channel").get(pk=event.ticket_id)
    if conf.frequency == Frequency.ONCE and Rating.objects.filter(ticket=ticket).exists():
        return
    message = _reply_now(ticket)
    if message is None and ticket.channel.kind != ChannelKind.EMAIL:
        return  # no reply to carry the links, and no channel to send them alone
    agent = message.actor_agent_id if message is not None else _rated_agent(ticket)
    rating = Rating.objects.create(ticket=ticket, agent_id=agent,
                                   requested_at=event.created_at)
    if message is None:
        with translation.override(settings.LANGUAGE_CODE):
            text = _("Your request #%(number)s has been solved.") % {"number": ticket.number}
        message = reply(ticket=ticket, actor=Actor.system("rating"), text=text,
                        automatic=True)
    _attach(message, rating)
