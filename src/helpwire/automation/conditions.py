"""Rule conditions [AU1 AU2]: ``{"field", "op", "value"}`` evaluated against the facts of
one event. Facts are read lazily and once per event (a message's word forms are computed the
first time a ``word_forms`` condition asks, with the search index's own lemmatiser), so 200
rules that look at the text cost one lemmatisation.

A regular expression runs with a time limit (the ``regex`` module's ``timeout``): a
pathological pattern fails that condition and is logged; it cannot stall ingest.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import regex
from django.utils.translation import gettext_lazy as _

from helpwire.calendars import schedule, selectors
from helpwire.clients.models import Identity, IdentityKind
from helpwire.mail.models import Mailbox
from helpwire.search.normalize import text_terms, word_terms
from helpwire.tickets import fields as ticket_fields
from helpwire.tickets.models import TAG_SEPARATOR, Message, MessageKind, Ticket

logger = logging.getLogger("helpwire.rules")
REGEX_TIMEOUT = 0.05  # seconds per condition

# field → what it reads; the value kinds decide which ops make sense (rule_inputs checks).
TEXT_FIELDS = {"subject", "body", "text", "sender"}
CHOICE_FIELDS = {"channel", "mailbox", "status", "priority", "type", "group", "assignee",
                 "client.company", "client.responsible"}
FLAG_FIELDS = {"client.internal", "working_hours"}
# Hours since a moment of the ticket [AU4]: calendar hours, or with the "working_" prefix the
# working hours of the ticket group's calendar. Time rules are scheduled from these.
ANCHORS = {"hours_since_created": "created_at",
           "hours_since_client_message": "last_client_message_at",
           "hours_since_agent_message": "last_agent_message_at",
           "hours_in_status": "status_changed_at"}
HOURS_FIELDS = {**ANCHORS, **{f"working_{k}": v for k, v in ANCHORS.items()}}
# What a "ticket changed" event changed: the attributes as history names them.
CHANGEABLE = ("status", "priority", "type", "subject", "assignee", "group", "tags", "channel",
              "remind_at", "archived")
# What an SLA event is about: the metric of a warning or breach, the source of a change
# ("manual" for a change by hand — the lead's alert).
SLA_FIELDS = {"sla.metric", "sla.source"}
# What a rating is [AU10]: the client's grade.
EVENT_FIELDS = SLA_FIELDS | {"rating.grade"}
FIELDS = (TEXT_FIELDS | CHOICE_FIELDS | FLAG_FIELDS | set(HOURS_FIELDS) | EVENT_FIELDS
          | {"tag", "changed"})
OPS = {"is", "is_not", "in", "word_forms", "contains", "phrase", "regex", "gt", "lt", "set",
       "not_set"}
TEXT_OPS = {"word_forms", "contains", "phrase", "regex", "is", "is_not", "set", "not_set"}
FIELD_LABELS = {
    "channel": _("channel"), "mailbox": _("mailbox"), "sender": _("sender address or domain"),
    "subject": _("subject"), "body": _("message text"), "text": _("subject or text"),
    "tag": _("tag"), "status": _("status"), "priority": _("priority"), "type": _("type"),
    "group": _("group"), "assignee": _("assignee"), "client.internal": _("internal client"),
    "client.company": _("client's company"), "client.responsible": _("client's agent"),
    "working_hours": _("working hours"), "changed": _("what changed"),
    "sla.metric": _("SLA target"), "sla.source": _("who changed the SLA policy"),
    "rating.grade": _("the client's rating"),
    "hours_since_created": _("hours since created"),
    "hours_since_client_message": _("hours since the client wrote"),
    "hours_since_agent_message": _("hours since an agent replied"),
    "hours_in_status": _("hours in this status"),
    "working_hours_since_created": _("working hours since created"),
    "working_hours_since_client_message": _("working hours since the client wrote"),
    "working_hours_since_agent_message": _("working hours since an agent replied"),
    "working_hours_in_status": _("working hours in this status"),
}


@dataclass
class Facts:
    """What the conditions of one event read. ``message`` is the message the event is
    about (the client's or the agent's), or None (a change, a reminder)."""

    event: str
    ticket: Ticket
    message: Message | None = None
    changes: dict[str, Any] = field(default_factory=dict)
    now: datetime | None = None
    # Values the event carries (the SLA event's metric and source).
    extra: dict[str, str] = field(default_factory=dict)
    _terms: dict[str, frozenset[str]] = field(default_factory=dict)
    _fields: dict[str, Any] | None = None

    def text_of(self, name: str) -> str:
        subject = self.ticket.subject or ""
        body = self.message.body_text if self.message is not None else ""
        return {"subject": subject, "body": body, "text": f"{subject}\n{body}",
                "sender": self.sender()}[name]

    def terms(self, name: str) -> frozenset[str]:
        if name not in self._terms:
            self._terms[name] = frozenset(text_terms(self.text_of(name)))
        return self._terms[name]

    def sender(self) -> str:
        """The address the message came from: the mail's From, else the client's first
        email (channels other than mail know the person, not the address he used)."""
        if self.message is None or self.message.kind != MessageKind.INBOUND:
            return ""
        found = (self.message.meta or {}).get("from") or (
            Identity.objects.filter(client_id=self.ticket.client_id, kind=IdentityKind.EMAIL)
            .order_by("pk").values_list("value", flat=True).first())
        return str(found or "").lower()

    def custom(self, key: str) -> Any:
        if self._fields is None:
            self._fields = ticket_fields.current(self.ticket)
        return self._fields.get(key)

    def value(self, name: str) -> Any:
        t = self.ticket
        if name in TEXT_FIELDS:
            return self.text_of(name)
        if name.startswith("field."):
            return self.custom(name[len("field."):])
        if name in HOURS_FIELDS:
            return self.hours(name)
        if name in EVENT_FIELDS:
            return self.extra.get(name, "")
        readers: dict[str, Callable[[], Any]] = {
            "channel": lambda: t.channel_id, "status": lambda: t.status,
            "priority": lambda: t.priority, "type": lambda: t.type,
            "group": lambda: t.group_id, "assignee": lambda: t.assignee_id,
            "mailbox": lambda: Mailbox.objects.filter(channel_id=t.channel_id)
            .values_list("pk", flat=True).first(),
            "client.internal": lambda: t.client.is_internal or t.is_internal,
            "client.company": lambda: t.client.company_id,
            "client.responsible": lambda: t.client.responsible_id,
            "working_hours": lambda: self.working(),
            "tag": lambda: [tag.path for tag in t.tags.all()],
        }
        return readers[name]()

    def spec(self) -> schedule.Spec:
        group = self.ticket.group
        return selectors.spec_for(calendar_id=group.calendar_id if group is not None else None)

    def working(self) -> bool:
        return schedule.is_working(self.spec(), self.now or self.ticket.updated_at)

    def hours(self, name: str) -> float | None:
        since = getattr(self.ticket, HOURS_FIELDS[name])
        if since is None:
            return None  # no such moment yet (the client never wrote): the condition fails
        now = self.now or since
        if name.startswith("working_"):
            return schedule.working_seconds(self.spec(), since, now) / 3600
        return (now - since).total_seconds() / 3600


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, str) and isinstance(b, str):
        return a.casefold() == b.casefold()
    if isinstance(a, bool) or isinstance(b, bool):
        return bool(a) == bool(b)
    return a == b or (a is not None and b is not None and str(a) == str(b))


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else [value]


def _tag_match(paths: list[str], wanted: Any) -> bool:
    """A tag matches itself and every tag below it (its subtree)."""
    for want in _as_list(wanted):
        want = str(want).strip().casefold()
        for path in paths:
            p = path.casefold()
            if p == want or p.startswith(want + TAG_SEPARATOR):
                return True
    return False


def _sender_match(address: str, want: str) -> bool:
    """An address matches itself; "bank.ru" or "@bank.ru" matches every address there."""
    want = want.strip().lower()
    if "@" in want.lstrip("@"):
        return address == want
    return address.endswith("@" + want.lstrip("@"))


@functools.lru_cache(maxsize=4096)
def _word(word: str) -> tuple[str, ...]:
    """A rule's word as the index's terms (its lemmas), worked out once per process."""
    return tuple(word_terms(word))


@functools.lru_cache(maxsize=2048)
def _phrase_pattern(phrase: str) -> regex.Pattern[str]:
    words = regex.escape(phrase.strip()).replace(r"\ ", r"\s+")
    return regex.compile(rf"(?<!\w){words}(?!\w)", regex.IGNORECASE | regex.V1)


@functools.lru_cache(maxsize=2048)
def _pattern(pattern: str) -> regex.Pattern[str]:
    return regex.compile(pattern, regex.IGNORECASE)


def _phrase(text: str, phrase: str) -> bool:
    return _phrase_pattern(phrase).search(text, timeout=REGEX_TIMEOUT) is not None


def _regex(text: str, pattern: str) -> bool:
    try:
        return _pattern(pattern).search(text, timeout=REGEX_TIMEOUT) is not None
    except TimeoutError:
        logger.warning("rule regex %r gave up after %s s", pattern, REGEX_TIMEOUT)
        return False
    except regex.error:
        return False


def _number(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def holds(condition: dict[str, Any], facts: Facts) -> bool:
    """Does one condition hold? Unknown fields or ops never hold (checked on input)."""
    name, op, want = condition.get("field", ""), condition.get("op", ""), condition.get("value")
    if name == "tag":
        paths = facts.value("tag")
        if op in ("is", "in", "is_not"):
            return _tag_match(paths, want) != (op == "is_not")
        return bool(paths) if op == "set" else (not paths) if op == "not_set" else False
    if name == "changed":
        names = set(facts.changes)
        if op in ("is", "in", "is_not"):
            hit = any(str(w) in names for w in _as_list(want))
            return hit != (op == "is_not")
        return bool(names) if op == "set" else (not names) if op == "not_set" else False
    if name == "sender" and op in ("is", "is_not", "in"):
        address = facts.sender()
        hit = any(_sender_match(address, str(w)) for w in _as_list(want))
        return hit != (op == "is_not")
    if op == "word_forms" and name in TEXT_FIELDS:
        have = facts.terms(name)
        return any(term in have for word in _as_list(want) for term in _word(str(word)))
    got = facts.value(name)
    if op == "set":
        return got not in (None, "", [], False)
    if op == "not_set":
        return got in (None, "", [], False)
    if op == "is":
        return _same(got, want)
    if op == "is_not":
        return not _same(got, want)
    if op == "in":
        return any(_same(got, w) for w in _as_list(want))
    text = "" if got is None else str(got)
    if op == "contains":
        return any(str(w).casefold() in text.casefold() for w in _as_list(want))
    if op == "phrase":
        return any(_phrase(text, str(w)) for w in _as_list(want))
    if op == "regex":
        return _regex(text, str(want))
    if op in ("gt", "lt"):
        a, b = _number(got), _number(want)
        if a is None or b is None:
            return False
        return a > b if op == "gt" else a < b
    return False


def evaluate(conditions: dict[str, Any], facts: Facts) -> tuple[bool, list[dict[str, Any]]]:
    """All of ``all`` and at least one of ``any`` (an empty list is no condition). Returns
    whether the rule matches and the conditions that held (for the firing log)."""
    held: list[dict[str, Any]] = []
    for condition in conditions.get("all") or []:
        if not holds(condition, facts):
            return False, []
        held.append(condition)
    alternatives = conditions.get("any") or []
    if alternatives:
        hits = [c for c in alternatives if holds(c, facts)]
        if not hits:
            return False, []
        held += hits
    return True, held
