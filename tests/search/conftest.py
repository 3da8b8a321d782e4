"""Helpers for search tests: the ids a query finds, as an agent or unrestricted."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db.models import QuerySet

from helpwire.search.query import search
from helpwire.tickets.models import Ticket


@pytest.fixture
def find(db) -> Callable[..., list[int]]:
    def run(q: str, queryset: QuerySet[Ticket] | None = None, **kwargs: object) -> list[int]:
        qs = queryset if queryset is not None else Ticket.objects.all()
        return [hit.ticket.pk for hit in search(q=q, queryset=qs, **kwargs)]  # type: ignore[arg-type]

    return run
