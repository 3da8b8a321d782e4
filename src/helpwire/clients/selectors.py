"""Reads of client cards that the API and the workspace share."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet

from helpwire.clients.identities import normalize_email, normalize_phone
from helpwire.clients.models import Client, Company, Identity, fold


def live_clients() -> QuerySet[Client]:
    """Cards in use (not merged into another)."""
    return Client.objects.filter(merged_into__isnull=True)


def matching(qs: QuerySet[Client], q: str) -> QuerySet[Client]:
    """Cards whose name contains ``q`` (case- and ё-insensitive), or that own the email or
    phone ``q`` (in any format)."""
    q = (q or "").strip()
    lookups = Q(name_folded__contains=fold(q))
    for normalize in (normalize_email, normalize_phone):
        try:
            value = normalize(q)
        except ValidationError:
            continue
        lookups |= Q(pk__in=Identity.objects.filter(value=value).values("client_id"))
    return qs.filter(lookups)


def suggest_clients(q: str, *, among: QuerySet[Client] | None = None,
                    limit: int = 10) -> list[Client]:
    """Cards matching ``q`` among those given (the ones the asker may see)."""
    if len((q or "").strip()) < 2:
        return []
    qs = (among if among is not None else Client.objects.all()).filter(
        merged_into__isnull=True)
    return list(matching(qs, q).select_related("company")
                .prefetch_related("identities").order_by("name")[:limit])


def suggest_companies(q: str, *, limit: int = 10) -> list[Company]:
    q = (q or "").strip()
    if len(q) < 2:
        return []
    # Python-side folding like client names: SQLite folds case only for Latin letters.
    wanted = fold(q)
    return [c for c in Company.objects.order_by("name") if wanted in fold(c.name)][:limit]
