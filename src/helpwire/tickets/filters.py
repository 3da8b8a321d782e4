"""The one filter definition for ticket lists, shared by the API and the workspace
(NetBox style): a plain dataclass that turns into a queryset filter."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from helpwire.core.forms import valid_id
from helpwire.tickets import tags as tag_tree
from helpwire.tickets.models import ARCHIVED, FieldValue, Priority, Status, Tag, Ticket

UNASSIGNED = "none"
# Filters higher apps add (the SLA's state): name → (queryset, value) → queryset. A value
# the function refuses raises ValidationError.
ExtraFilter = Callable[[QuerySet[Ticket], str], QuerySet[Ticket]]
EXTRA_FILTERS: dict[str, ExtraFilter] = {}


def add_filter(name: str, func: ExtraFilter) -> None:
    EXTRA_FILTERS[name] = func


@dataclass
class TicketFilter:
    status: list[str] = field(default_factory=list)
    priority: list[str] = field(default_factory=list)
    assignee: str | None = None  # an agent id, or "none" for unassigned
    group: int | None = None
    groups: list[int] = field(default_factory=list)  # any of these groups
    tag: str | None = None  # full path or id; matches the tag's whole subtree
    channel: int | None = None
    client: int | None = None
    company: int | None = None
    created_after: datetime | None = None
    created_before: datetime | None = None
    updated_after: datetime | None = None
    updated_before: datetime | None = None
    # Custom field key → value (a list option, text, "true"/"false", or "A › B" for nested).
    fields: dict[str, str] = field(default_factory=dict)
    # Archived (closed into the archive) tickets [AU5]: None either, True only, False none.
    archived: bool | None = None
    # Filters of higher apps, by the name they registered (``add_filter``).
    extra: dict[str, str] = field(default_factory=dict)

    def _cell_status(self) -> Q:
        """The status part over counter cells, where archived tickets have a cell status
        of their own."""
        statuses = [str(s) for s in self.status]
        if self.archived is True:
            wanted = [ARCHIVED] if not statuses or Status.CLOSED in statuses else []
            return Q(status__in=wanted)
        if self.archived is None and Status.CLOSED in statuses:
            statuses.append(ARCHIVED)
        if statuses:
            return Q(status__in=statuses)
        return ~Q(status=ARCHIVED) if self.archived is False else Q()

    def counter_cells(self) -> Q | None:
        """The same filter over the queue counter cells, when it only asks what the cells
        know (status, group, assignee, channel); None when it needs the tickets."""
        if (self.priority or self.tag or self.client or self.company or self.fields
                or self.extra or self.created_after or self.created_before or self.updated_after
                or self.updated_before):
            return None
        q = self._cell_status()
        if self.assignee == UNASSIGNED:
            q &= Q(assignee_key=0)
        elif self.assignee:
            q &= Q(assignee_key=int(self.assignee))
        if self.group is not None:
            q &= Q(group_key=self.group)
        if self.groups:
            q &= Q(group_key__in=self.groups)
        if self.channel is not None:
            q &= Q(channel_id=self.channel)
        return q

    def clean(self) -> TicketFilter:
        for value in self.status:
            if value not in Status.values:
                raise ValidationError(_("Unknown status %(value)s."), code="invalid_status",
                                      params={"value": value})
        for value in self.priority:
            if value not in Priority.values:
                raise ValidationError(_("Unknown priority %(value)s."), code="invalid_priority",
                                      params={"value": value})
        if self.assignee not in (None, "", UNASSIGNED) and valid_id(self.assignee) is None:
            raise ValidationError(_("An assignee is an agent id or \"none\"."),
                                  code="invalid_assignee")
        return self

    def _tag(self) -> Tag | None:
        if not self.tag:
            return None
        if str(self.tag).isdigit():
            return Tag.objects.filter(pk=int(self.tag)).first()
        return tag_tree.find(self.tag)

    def apply(self, qs: QuerySet[Ticket]) -> QuerySet[Ticket]:
        self.clean()
        if self.status:
            qs = qs.filter(status__in=self.status)
        if self.priority:
            qs = qs.filter(priority__in=self.priority)
        if self.archived is not None:
            qs = qs.filter(archived=self.archived)
        if self.assignee == UNASSIGNED:
            qs = qs.filter(assignee__isnull=True)
        elif self.assignee:
            qs = qs.filter(assignee_id=int(self.assignee))
        if self.group is not None:
            qs = qs.filter(group_id=self.group)
        if self.groups:
            qs = qs.filter(group_id__in=self.groups)
        if self.channel is not None:
            qs = qs.filter(channel_id=self.channel)
        if self.client is not None:
            qs = qs.filter(client_id=self.client)
        if self.company is not None:
            qs = qs.filter(client__company_id=self.company)
        if self.tag:
            tag = self._tag()
            if tag is None:
                return qs.none()
            tagged = Ticket.tags.through.objects.filter(
                Q(tag_id__in=tag_tree.subtree(tag).values("pk"))).values("ticket_id")
            qs = qs.filter(pk__in=tagged)
        for name, wanted in self.extra.items():
            if name not in EXTRA_FILTERS:
                raise ValidationError(_("Unknown filter %(name)s."), code="invalid_filter",
                                      params={"name": name})
            qs = EXTRA_FILTERS[name](qs, wanted)
        for key, raw in self.fields.items():
            qs = qs.filter(pk__in=FieldValue.objects.filter(
                field__key=key, value=_field_value(raw)).values("ticket_id"))
        for lookup, value in (("created_at__gte", self.created_after),
                              ("created_at__lt", self.created_before),
                              ("updated_at__gte", self.updated_after),
                              ("updated_at__lt", self.updated_before)):
            if value is not None:
                qs = qs.filter(**{lookup: value})
        return qs


def _field_value(raw: str) -> object:
    """A filter value as it is stored: booleans for checkboxes, a path for nested lists."""
    if raw in ("true", "false"):
        return raw == "true"
    if tag_tree.has_separator(raw):
        return tag_tree.levels(raw)
    return raw


def parse_field_params(values: list[str]) -> dict[str, str]:
    """``key=value`` pairs from a query string (the API's and the list's ``field``)."""
    out: dict[str, str] = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ValidationError(_("A field filter looks like key=value."),
                                  code="invalid_field")
        out[key.strip()] = value.strip()
    return out

