"""The search API the REST layer and the UI call: ``search`` and ``matching_ticket_ids``.

One box, three readings of what was typed, in this order:

1. a ticket number ("12345", "#12345");
2. a client contact: an email or a phone in any format (normalised the way identities are
   stored), or any other handle exactly as stored — all tickets of that client, newest first;
3. full text over subjects, messages and client names (``normalize`` rules, AND of words).

The caller's queryset carries permissions and list filters; nothing outside it is ever
returned. Full-text candidates come from ``backends`` in bounded windows; each window is
filtered by the queryset, and older windows are read only while there are too few visible
hits (up to ``MAX_WINDOWS``), so an agent who sees a small part of the tickets still gets
results without anyone ranking an unbounded set.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet

from helpwire.clients.identities import normalize_email, normalize_phone
from helpwire.clients.models import Identity, IdentityKind
from helpwire.search import backends, snippets
from helpwire.search.normalize import query_groups
from helpwire.tickets.models import Ticket

MAX_QUERY_CHARS = 500
MAX_WINDOWS = 10
# Exact matches are listed first; their scores only need to stay above any text score.
NUMBER_SCORE = 1e9
CONTACT_SCORE = 1e8

_NUMBER = re.compile(r"#?\s*(\d{1,18})")
_PHONE = re.compile(r"\+?[\d\s().\-]{5,30}")
_OTHER_KINDS = [k for k in IdentityKind.values if k not in (IdentityKind.EMAIL,
                                                            IdentityKind.PHONE)]


@dataclass(frozen=True)
class Hit:
    ticket: Ticket
    snippet: str  # HTML: escaped text, matches wrapped in <mark>…</mark>
    score: float  # higher is better; comparable within one result list only


def _contact_clients(q: str) -> list[int]:
    """Clients owning the contact typed (resolved first: usually none, and then the
    ticket query through the caller's filters is not run at all)."""
    conditions = Q(kind__in=_OTHER_KINDS, value=q)
    if "@" in q:
        with contextlib.suppress(ValidationError):
            conditions |= Q(kind=IdentityKind.EMAIL, value=normalize_email(q))
    if _PHONE.fullmatch(q) and sum(c.isdigit() for c in q) >= 5:
        with contextlib.suppress(ValidationError):
            conditions |= Q(kind=IdentityKind.PHONE, value=normalize_phone(q))
    return list(Identity.objects.filter(conditions).values_list("client_id", flat=True))


def _exact(q: str, queryset: QuerySet[Ticket], limit: int) -> list[tuple[int, float]]:
    hits: list[tuple[int, float]] = []
    number = _NUMBER.fullmatch(q)
    if number:
        hits += [(pk, NUMBER_SCORE) for pk in queryset.filter(number=int(number.group(1)))
                 .order_by().values_list("pk", flat=True)[:1]]
    clients = _contact_clients(q)
    if clients and len(hits) < limit:
        ids = (queryset.filter(client_id__in=clients).exclude(pk__in=[h[0] for h in hits])
               .order_by("-pk").values_list("pk", flat=True)[:limit - len(hits)])
        hits += [(pk, CONTACT_SCORE) for pk in ids]
    return hits


def _candidates(groups: list[tuple[str, ...]], *, limit: int,
                queryset: QuerySet[Ticket] | None, exclude: set[int]) -> list[tuple[int, float]]:
    """Visible full-text matches from as few newest-first windows as give ``limit``."""
    pool: list[tuple[int, float]] = []
    # No filter at all (an admin's whole list): every document's ticket exists (cascade).
    restricted = queryset is not None and bool(queryset.query.where)
    for n, window in enumerate(backends.engine().windows(groups), start=1):
        fresh = [(pk, score) for pk, score in window if pk not in exclude]
        if restricted and queryset is not None and fresh:
            visible = set(queryset.filter(pk__in=[pk for pk, _s in fresh])
                          .order_by().values_list("pk", flat=True))
            fresh = [(pk, score) for pk, score in fresh if pk in visible]
        pool += fresh
        if len(pool) >= limit or n >= MAX_WINDOWS:
            break
    return pool


def _order(pool: list[tuple[int, float]], *, ranked: bool) -> list[tuple[int, float]]:
    if ranked:
        return sorted(pool, key=lambda hit: (-hit[1], -hit[0]))
    return sorted(pool, key=lambda hit: -hit[0])


def matching_ticket_ids(q: str, *, limit: int) -> list[int]:
    """Ids of full-text matches, best first (within the newest bounded candidate set), for
    callers that filter and paginate themselves."""
    groups = query_groups((q or "")[:MAX_QUERY_CHARS])
    if not groups or limit <= 0:
        return []
    pool = _candidates(groups, limit=limit, queryset=None, exclude=set())
    return [pk for pk, _score in _order(pool, ranked=True)[:limit]]


@dataclass(frozen=True)
class ResultPage:
    hits: list[Hit]
    total: int  # exact below ``cap``; ``capped``: at least ``cap``
    capped: bool
    page: int
    has_next: bool


def search_page(*, q: str, queryset: QuerySet[Ticket], page: int = 1, per_page: int = 50,
                cap: int = 1000, ranked: bool = True) -> ResultPage:
    """One page of results with a total: the ordered ids of up to ``cap`` matches are
    gathered (bounded, like every search), snippets are made for the page only. Reaching
    ``cap`` counts as "more": asking for one match past it made a common word's search
    read a second window of candidates (one more walk of the newest documents, ~70 ms at
    1M) to tell 1,000 from 1,001 — shown as "1 000+" either way."""
    q = (q or "").strip()[:MAX_QUERY_CHARS]
    page = max(1, page)
    if not q:
        return ResultPage(hits=[], total=0, capped=False, page=page, has_next=False)
    ordered = _ordered(q, queryset, cap, ranked=ranked)
    start = (page - 1) * per_page
    shown = ordered[start:start + per_page]
    return ResultPage(hits=_hits(q, queryset, shown), total=len(ordered),
                      capped=len(ordered) >= cap, page=page,
                      has_next=len(ordered) > start + per_page)


def _ordered(q: str, queryset: QuerySet[Ticket], limit: int, *,
             ranked: bool) -> list[tuple[int, float]]:
    hits = _exact(q, queryset, limit)
    groups = query_groups(q)
    if groups and len(hits) < limit:
        pool = _candidates(groups, limit=limit - len(hits), queryset=queryset,
                           exclude={pk for pk, _s in hits})
        hits += _order(pool, ranked=ranked)[:limit - len(hits)]
    return hits


def _hits(q: str, queryset: QuerySet[Ticket], ranked_ids: list[tuple[int, float]]) -> list[Hit]:
    if not ranked_ids:
        return []
    groups = query_groups(q)
    tickets = queryset.order_by().in_bulk([pk for pk, _s in ranked_ids])
    shown = [(pk, score) for pk, score in ranked_ids if pk in tickets]
    texts = snippets.for_tickets(((pk, tickets[pk].subject) for pk, _s in shown),
                                 (term for group in groups for term in group))
    return [Hit(ticket=tickets[pk], snippet=texts[pk], score=score) for pk, score in shown]


def ticket_number(q: str) -> int | None:
    """The number when the query is exactly a ticket number ("12345", "#12345")."""
    match = _NUMBER.fullmatch((q or "").strip())
    return int(match.group(1)) if match else None


def search(*, q: str, queryset: QuerySet[Ticket], limit: int = 20,
           ranked: bool = True) -> list[Hit]:
    """Tickets of ``queryset`` matching ``q``: number and contact matches first, then full
    text — by relevance (``ranked``) or newest first."""
    q = (q or "").strip()[:MAX_QUERY_CHARS]
    if not q or limit <= 0:
        return []
    return _hits(q, queryset, _ordered(q, queryset, limit, ranked=ranked))
