"""The demo ticket generator, shared by the base demo load and ``helpwire demo --tickets N``.

Like ``helpwire.demo.loader`` this writes the rows the actions would write — tickets,
messages, history, field values, tags, mentions, reminder timers, first-time clients — but
in bulk: numbers come from ``numbers.allocate(n)`` once per batch, message HTML from
templates rendered once, and each table is filled in one go per batch (``COPY`` on
PostgreSQL, ``bulk_create`` elsewhere) inside one transaction. No events are written, so
rules, SLA and webhooks do not replay the demo's made-up past.
"""

from __future__ import annotations

import html
import itertools
import random
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from helpwire.clients.models import Client, Identity, IdentityKind, fold
from helpwire.conversations.sanitize import text_to_html
from helpwire.core.bulkwrite import Rows, reserve_ids, write
from helpwire.core.models import Timer
from helpwire.demo import content as c
from helpwire.demo.scenarios import BUSINESS, INTERNAL, PERSON, SCENARIOS, SPAM, Scenario
from helpwire.demo.world import AUDIENCES, SPAM_AUDIENCE, AgentRef, ClientRef, World, client_ref
from helpwire.tickets import numbers
from helpwire.tickets.actions import REMINDER_TIMER
from helpwire.tickets.history import display
from helpwire.tickets.models import (
    Change,
    DeliveryState,
    FieldValue,
    Message,
    MessageKind,
    Priority,
    Status,
    Ticket,
    TicketType,
)

MINUTE, HOUR, DAY = 60.0, 3600.0, 86400.0
NEW, OPEN, PENDING, ON_HOLD, SOLVED, CLOSED, SPAM_STATUS = (
    Status.NEW.value, Status.OPEN.value, Status.PENDING.value, Status.ON_HOLD.value,
    Status.SOLVED.value, Status.CLOSED.value, Status.SPAM.value)
INBOUND, OUTBOUND, NOTE = (MessageKind.INBOUND.value, MessageKind.OUTBOUND.value,
                           MessageKind.NOTE.value)
AUTO_CLOSE = "Автозакрытие через 3 дня"

# Ticket statuses by age: (younger than, hours) → weights.
STATUS_BY_AGE: tuple[tuple[float, dict[str, int]], ...] = (
    (4, {NEW: 45, OPEN: 40, PENDING: 10, ON_HOLD: 5}),
    (48, {NEW: 8, OPEN: 30, PENDING: 25, ON_HOLD: 10, SOLVED: 27}),
    (168, {OPEN: 12, PENDING: 12, ON_HOLD: 6, SOLVED: 45, CLOSED: 25}),
    (float("inf"), {OPEN: 2, PENDING: 2, ON_HOLD: 1, SOLVED: 22, CLOSED: 73}),
)
PRIORITIES = {  # urgent scenario? → weights
    False: {Priority.LOW.value: 25, Priority.MEDIUM.value: 60, Priority.URGENT.value: 13,
            Priority.EXTREME.value: 2},
    True: {Priority.LOW.value: 5, Priority.MEDIUM.value: 45, Priority.URGENT.value: 40,
           Priority.EXTREME.value: 10},
}
# Relative load by hour of the day, Moscow time.
HOURS = [1, 1, 1, 1, 1, 1, 2, 4, 8, 12, 14, 14, 13, 14, 14, 13, 12, 10, 9, 8, 6, 4, 3, 2]
TAGGED = Ticket.tags.through
MENTIONED = Ticket.mentioned.through


def _weighted(table: dict[Any, int]) -> tuple[list[Any], list[int]]:
    return list(table), list(itertools.accumulate(table.values()))


class Generator:
    """Plans realistic tickets (a conversation, a history, fields and tags consistent with
    the ticket's status and age) and writes them in batches."""

    def __init__(self, *, world: World, rng: random.Random, now: datetime, days: float,
                 new_clients: float = 0.0, recent: float = 0.0) -> None:
        self.world, self.rng, self.now = world, rng, now
        self.start = now - timedelta(days=days)
        self.span = days * DAY
        self.new_clients = new_clients  # share of tickets from a first-time client
        self.recent_share = recent  # share of tickets from the last two days (a live queue)
        self.recent: list[ClientRef] = []  # first-time clients of earlier batches
        self._html: dict[str, str] = {}
        self._statuses = [(limit * HOUR, *_weighted(w)) for limit, w in STATUS_BY_AGE]
        self._priorities = {k: _weighted(v) for k, v in PRIORITIES.items()}
        self._audiences = _weighted({a: w for a, w in AUDIENCES.items() if world.clients[a]})
        self._scenarios = {
            aud: _weighted({s: s.weight for s in SCENARIOS if s.audience == aud})
            for aud in (PERSON, BUSINESS, INTERNAL)
        }
        # Some clients write a lot, most only now and then.
        self._client_weights = {
            aud: list(itertools.accumulate(1 + int(40 / (1 + i)) for i in range(len(refs))))
            for aud, refs in world.clients.items()
        }
        self._hours = list(itertools.accumulate(HOURS))

    # --- writing ---------------------------------------------------------------------------

    def run(self, *, count: int, batch_size: int = 5000,
            on_batch: Callable[[int], None] | None = None) -> int:
        done = 0
        while done < count:
            size = min(batch_size, count - done)
            with transaction.atomic():
                rows = Rows()
                batch_numbers = numbers.allocate(size)
                ids = reserve_ids(Ticket, size)
                fresh = self._clients(rows, batch_numbers) if self.new_clients else []
                for i, (number, pk) in enumerate(zip(batch_numbers, ids, strict=True)):
                    self._plan(rows, pk, number, fresh[i] if i < len(fresh) else None)
                write(rows)
            self.recent = (self.recent + fresh)[-20000:]
            done += size
            if on_batch is not None:
                on_batch(size)
        return done

    def _clients(self, rows: Rows, batch_numbers: Sequence[int]) -> list[ClientRef]:
        """First-time clients for this batch, made unique by the batch's ticket numbers."""
        rng, at = self.rng, self.start
        keys = batch_numbers[:int(len(batch_numbers) * self.new_clients)]
        refs = []
        for key, pk in zip(keys, reserve_ids(Client, len(keys)), strict=True):
            if rng.random() < 0.5:
                name = f"{rng.choice(c.MALE_NAMES)} {rng.choice(c.SURNAMES)}"
            else:
                name = f"{rng.choice(c.FEMALE_NAMES)} {c.feminine(rng.choice(c.SURNAMES))}"
            rows.add(Client, {"id": pk, "name": name, "name_folded": fold(name),
                              "created_at": at, "updated_at": at})
            pairs = [(IdentityKind.EMAIL.value,
                      f"{c.translit(name)}.{key}@{rng.choice(c.EMAIL_DOMAINS)}"),
                     (IdentityKind.PHONE.value, f"+7{9_000_000_000 + key}")]
            if rng.random() < 0.35:
                pairs.append((IdentityKind.TELEGRAM.value, str(5_000_000_000 + key)))
            for kind, value in pairs:
                rows.add(Identity, {"client_id": pk, "kind": kind, "value": value,
                                    "created_at": at})
            refs.append(client_ref(pk, name, PERSON, None, {k for k, _v in pairs},
                                   self.world.channels))
        return refs

    # --- choosing --------------------------------------------------------------------------

    def _pick(self, table: tuple[list[Any], list[int]]) -> Any:
        items, cum = table
        return self.rng.choices(items, cum_weights=cum)[0]

    def _client(self, fresh: ClientRef | None) -> ClientRef:
        rng = self.rng
        if fresh is not None:
            return fresh
        if self.recent and rng.random() < self.new_clients:
            return rng.choice(self.recent)
        audience = self._pick(self._audiences)
        refs = self.world.clients[audience]
        return rng.choices(refs, cum_weights=self._client_weights[audience])[0]

    def _created_at(self) -> datetime:
        """A moment in the window, mostly in Moscow working hours."""
        rng = self.rng
        if rng.random() < self.recent_share:
            return self.now - timedelta(seconds=rng.random() * min(2 * DAY, self.span))
        day = self.start + timedelta(days=int(rng.random() * self.span / DAY))
        hour = rng.choices(range(24), cum_weights=self._hours)[0]
        # Moscow is UTC+3; the window's last day may lie partly in the future.
        at = day.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(
            hours=hour - 3, seconds=rng.random() * HOUR)
        if at >= self.now or at < self.start:
            at = self.now - timedelta(seconds=rng.random() * self.span)
        return at

    def _status(self, age: float) -> str:
        for limit, items, cum in self._statuses:
            if age < limit:
                return str(self.rng.choices(items, cum_weights=cum)[0])
        raise AssertionError("unreachable")

    def _agent(self, group: str) -> AgentRef:
        refs, weights = self.world.members.get(group) or self.world.members[c.SUPPORT]
        return self.rng.choices(refs, weights=weights)[0]

    def _render(self, template: str, values: dict[str, str], escaped: dict[str, str]
                ) -> tuple[str, str]:
        """Text and HTML of a message; the HTML of each template is built once."""
        page = self._html.get(template)
        if page is None:
            page = self._html[template] = text_to_html(template)
        return template.format_map(values), page.format_map(escaped)

    # --- planning --------------------------------------------------------------------------

    def _timeline(self, status: str) -> list[tuple[float, str]]:
        """What happens to a ticket that ends in ``status``: (seconds after creation, step)."""
        rng, steps, t = self.rng, [], 0.0

        def step(what: str, mean: float, minimum: float = 30.0) -> None:
            nonlocal t
            t += minimum + rng.expovariate(1 / mean)
            steps.append((t, what))

        if status == NEW:
            if rng.random() < 0.2:
                step("more", 40 * MINUTE)
        elif status == SPAM_STATUS:
            step("spam", 2 * HOUR)
        else:
            step("assign", 25 * MINUTE)
            if rng.random() < 0.25:
                step("note", 20 * MINUTE)
            step("reply", 2 * HOUR)
            # A few more exchanges (1.4 on average: ~5 messages a ticket, as in the seeds).
            exchanges = 0
            while exchanges < 8 and rng.random() < 0.58:
                exchanges += 1
                step("inbound", 10 * HOUR, 5 * MINUTE)
                if status != OPEN or rng.random() < 0.5:
                    step("answer", 3 * HOUR)
            if status == PENDING:
                step("pending", MINUTE, 1)
            elif status == ON_HOLD:
                step("hold", 2 * HOUR)
            elif status in (SOLVED, CLOSED):
                step("solve", 6 * HOUR)
                if status == CLOSED:
                    step("close", 12 * HOUR, 3 * DAY)
        return steps

    def _plan(self, rows: Rows, pk: int, number: int, fresh: ClientRef | None) -> None:
        rng, world, now = self.rng, self.world, self.now
        client = self._client(fresh)
        spam = client.audience == SPAM_AUDIENCE
        scenario: Scenario = SPAM if spam else self._pick(self._scenarios[client.audience])
        kind = rng.choice(client.kinds)
        channel_id = world.channels[kind]
        created = self._created_at()
        age = (now - created).total_seconds()
        status = SPAM_STATUS if spam else self._status(age)
        if age < 2 * MINUTE or (status != NEW and age < 10 * MINUTE):
            status = NEW
        if kind == "manual" and status == NEW:
            status = OPEN  # an agent typed it in: it is in his hands from the start
        group = scenario.group
        responsible = world.agents.get(client.responsible_id or 0)
        agent = responsible or self._agent(group)
        others = [a for a in world.members.get(group, ([], []))[0] if a.id != agent.id]
        mention = rng.choice(others) if others else world.supervisor
        order = f"EP{rng.randrange(10_000_000, 100_000_000)}"
        values = {"name": client.first or "клиент", "full": client.name, "agent": agent.first,
                  "order": order, "number": str(number), "mention": mention.name,
                  "minutes": str(rng.randint(1, 14))}
        escaped = {k: html.escape(v) for k, v in values.items()}
        pick = rng.randrange(len(c.SPAM_SUBJECTS))
        ticket = rows.add(Ticket, {
            "id": pk, "number": number, "status": status, "channel_id": channel_id,
            "subject": (c.SPAM_SUBJECTS[pick] if spam
                        else rng.choice(scenario.subjects).format_map(values)),
            "client_id": client.id, "group_id": world.group_ids.get(group),
            "priority": self._pick(self._priorities[scenario.urgent]),
            "type": scenario.type if rng.random() < 0.85 else rng.choice(TicketType.values),
            # A client's own agent gets his tickets from the start [CL5].
            "assignee_id": responsible.id if responsible else None,
            "created_at": created, "remind_at": None, "solved_at": None,
        })
        tags = [scenario.tags[0]]
        if len(scenario.tags) > 1 and rng.random() < 0.3:
            tags.append(scenario.tags[1])
        for path in tags:
            if path in world.tag_ids:
                rows.add(TAGGED, {"ticket_id": pk, "tag_id": world.tag_ids[path]})

        # The first message: the client's words (or a call, or what an agent typed in).
        if spam:
            opener = c.SPAM_BODIES[pick]
        else:
            opener = rng.choice(scenario.openers)
            sign = rng.choice(c.CLIENT_SIGN_OFFS)
            opener = f"{opener}\n\n{sign}" if sign else opener
        if kind == "phone":
            opener = c.CALL_PREFIX + opener
        elif kind == "manual":
            opener = c.MANUAL_PREFIX + opener
        recorder = agent if kind == "manual" else None
        text, body = self._render(opener, values, escaped)
        rows.add(Message, self._message(pk, INBOUND, channel_id, text, body, created,
                                        client=None if recorder else client, agent=recorder))
        last_public, first_response, updated, current = created, None, created, NEW
        waiting: datetime | None = created  # the client's oldest unanswered message
        # What time rules count from: the client's and the agents' last words, the status.
        last_client: datetime | None = None if recorder else created
        last_agent: datetime | None = None
        status_at = created
        answer: str | None = None  # the agent's answer to the client's follow-up
        internal = client.audience == INTERNAL
        greetings = c.INTERNAL_GREETINGS if internal else c.AGENT_GREETINGS
        signatures = c.INTERNAL_SIGNATURES if internal else c.AGENT_SIGNATURES
        if recorder is not None:
            rows.add(Change, self._change(pk, "status", NEW, OPEN, created, agent=recorder))
            current = OPEN

        steps = self._timeline(status)
        # Squeeze the timeline into the ticket's age when it is young.
        scale = min(1.0, (age - 60.0) / steps[-1][0]) if steps else 1.0
        fields = self._fields(scenario, channel_id, order)
        for i, (offset, what) in enumerate(steps):
            when = created + timedelta(seconds=offset * scale)
            updated = when
            before = current
            following = steps[i + 1][1] if i + 1 < len(steps) else ""
            if what in ("inbound", "more"):
                last_client = when
                template, answer = rng.choice(c.FOLLOWUPS) if what == "inbound" else (
                    "И ещё: номер заказа — {order}, если нужно.", None)
                text, body = self._render(template, values, escaped)
                rows.add(Message, self._message(pk, INBOUND, channel_id, text, body, when,
                                                client=client))
                last_public = when
                waiting = waiting or when
                if current == PENDING:  # the client's answer reopens the ticket
                    rows.add(Change, self._change(pk, "status", current, OPEN, when,
                                                  client=client))
                    current = OPEN
            elif what == "spam":
                rows.add(Change, self._change(pk, "tags", [], tags, when, agent=agent))
                rows.add(Change, self._change(pk, "status", current, SPAM_STATUS, when,
                                              agent=agent))
                current = SPAM_STATUS
            elif what == "assign":
                actor = agent if rng.random() < 0.6 else world.supervisor
                if ticket["assignee_id"] is None:
                    ticket["assignee_id"] = agent.id
                    rows.add(Change, self._change(pk, "assignee", None, agent.name, when,
                                                  agent=actor))
                rows.add(Change, self._change(pk, "tags", [], tags, when, agent=actor))
                for key, value in fields.items():
                    if key != c.CLAIM_FIELD:
                        self._field(rows, pk, key, value, when, actor)
                if current == NEW:
                    rows.add(Change, self._change(pk, "status", current, OPEN, when,
                                                  agent=actor))
                    current = OPEN
            elif what == "note":
                template = (rng.choice(scenario.notes or c.INTERNAL_NOTES)
                            if rng.random() < 0.6 else rng.choice(c.NOTE_MENTIONS))
                if "{mention}" in template:
                    rows.add(MENTIONED, {"ticket_id": pk, "agent_id": mention.id})
                text, body = self._render(template, values, escaped)
                rows.add(Message, self._message(pk, NOTE, channel_id, text, body, when,
                                                agent=agent))
            elif what in ("reply", "answer"):
                if what == "reply":
                    middle = rng.choice(scenario.replies)
                else:
                    middle = answer or rng.choice(scenario.answers or (c.NEXT_STEP,))
                template = "\n\n".join((rng.choice(greetings), middle, rng.choice(signatures)))
                text, body = self._render(template, values, escaped)
                rows.add(Message, self._message(pk, OUTBOUND, channel_id, text, body, when,
                                                agent=agent))
                last_public = last_agent = when
                first_response = first_response or when
                waiting = None
                # Now and then the agent answers and waits for the client in one step.
                if what == "reply" and following == "inbound" and rng.random() < 0.5:
                    rows.add(Change, self._change(pk, "status", current, PENDING, when,
                                                  agent=agent))
                    current = PENDING
            elif what == "pending":
                rows.add(Change, self._change(pk, "status", current, PENDING, when,
                                              agent=agent))
                current = PENDING
                if rng.random() < 0.3:  # "remind me": pending until then [TK2]
                    remind = now + timedelta(hours=rng.uniform(2, 72))
                    ticket["remind_at"] = remind
                    rows.add(Change, self._change(pk, "remind_at", None, remind, when,
                                                  agent=agent))
                    rows.add(Timer, {"kind": REMINDER_TIMER, "due_at": remind, "ticket_id": pk,
                                     "created_at": when, "payload": {"set_by": agent.name}})
            elif what == "hold":
                rows.add(Change, self._change(pk, "status", current, ON_HOLD, when,
                                              agent=agent))
                current = ON_HOLD
            elif what == "solve":
                if c.CLAIM_FIELD in fields:
                    self._field(rows, pk, c.CLAIM_FIELD, fields[c.CLAIM_FIELD], when, agent)
                rows.add(Change, self._change(pk, "status", current, SOLVED, when,
                                              agent=agent))
                current = SOLVED
                ticket["solved_at"] = when
            elif what == "close":
                rows.add(Change, self._change(pk, "status", current, CLOSED, when,
                                              rule=AUTO_CLOSE))
                current = CLOSED
            if current != before:
                status_at = when
        assert current == status, (current, status, steps)
        ticket["updated_at"] = max(updated, last_public)
        ticket["last_message_at"] = last_public
        ticket["first_response_at"] = first_response
        ticket["waiting_since"] = waiting if current not in (SOLVED, CLOSED, SPAM_STATUS) else None
        ticket["last_client_message_at"] = last_client
        ticket["last_agent_message_at"] = last_agent
        ticket["status_changed_at"] = status_at

    def _fields(self, scenario: Scenario, channel_id: int, order: str) -> dict[str, Any]:
        """Field values an agent fills in for this kind of request, on this channel."""
        rng, fields = self.rng, self.world.fields
        wanted: dict[str, Any] = {c.TOPIC_FIELD: scenario.topic}
        if "{order}" in "".join(scenario.openers) and rng.random() < 0.8:
            wanted[c.ORDER_FIELD] = order
        if scenario.claim:
            wanted[c.CLAIM_FIELD] = list(scenario.claim)
        if rng.random() < 0.3:
            wanted[c.CALLBACK_FIELD] = True
        return {k: v for k, v in wanted.items()
                if k in fields and (not fields[k][1] or channel_id in fields[k][1])}

    def _field(self, rows: Rows, pk: int, key: str, value: Any, when: datetime,
               actor: AgentRef) -> None:
        rows.add(FieldValue, {"ticket_id": pk, "field_id": self.world.fields[key][0],
                              "value": value})
        rows.add(Change, self._change(pk, f"field:{key}", None, value, when, agent=actor))

    def _message(self, pk: int, kind: str, channel_id: int, text: str, body: str,
                 when: datetime, *, client: ClientRef | None = None,
                 agent: AgentRef | None = None) -> dict[str, Any]:
        outbound = kind == OUTBOUND
        return {
            "ticket_id": pk, "kind": kind, "channel_id": channel_id, "body_text": text,
            "body_html": body, "created_at": when,
            "actor_kind": "agent" if agent else "client",
            "actor_agent_id": agent.id if agent else None,
            "actor_client_id": client.id if client else None,
            "actor_name": (agent.name if agent else client.name if client else "")[:200],
            "delivery_state": DeliveryState.SENT.value if outbound else "",
            "delivery_attempts": 1 if outbound else 0,
            "sent_at": min(when + timedelta(seconds=2), self.now) if outbound else None,
        }

    @staticmethod
    def _change(pk: int, name: str, old: Any, new: Any, when: datetime, *,
                agent: AgentRef | None = None, client: ClientRef | None = None,
                rule: str = "") -> dict[str, Any]:
        return {
            "ticket_id": pk, "field": name, "old": display(old), "new": display(new),
            "created_at": when, "actor_kind": "agent" if agent else "client" if client else "rule",
            "actor_agent_id": agent.id if agent else None,
            "actor_client_id": client.id if client else None,
            "actor_name": (agent.name if agent else client.name if client else rule)[:200],
        }


def add_tickets(*, count: int, seed: int, days: float = 365, batch_size: int = 5000,
                new_clients: float = 0.5, on_batch: Callable[[int], None] | None = None
                ) -> int:
    """Add ``count`` tickets spread over the last ``days`` days, about half of them from
    first-time clients; the demo base data must be loaded. Returns the number written."""
    last = Ticket.objects.aggregate(last=models.Max("number"))["last"] or 0
    generator = Generator(world=World.load(), rng=random.Random(f"{seed}:{last}"),
                          now=timezone.now(), days=days, new_clients=new_clients)
    return generator.run(count=count, batch_size=batch_size, on_batch=on_batch)
