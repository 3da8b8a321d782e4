"""Request and response shapes of API v1. Other tools rely on these; change with care."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from ninja import Schema
from pydantic import AwareDatetime, Field, StringConstraints

from helpwire.tickets.models import Priority, Status, TicketType

StatusName = Literal["new", "open", "on_hold", "pending", "solved", "closed", "spam", "merged",
                     "mailing"]
PriorityName = Literal["low", "medium", "urgent", "extreme"]
TypeName = Literal["question", "task", "problem", "incident"]
Id = Annotated[int, Field(ge=1, le=2**53)]
# Text without NUL bytes (no database stores them) and of a sane size.
Text = Annotated[str, StringConstraints(max_length=100_000, pattern=r"^[^\x00]*$")]
Short = Annotated[str, StringConstraints(max_length=500, pattern=r"^[^\x00]*$")]

assert set(StatusName.__args__) == set(Status.values)  # type: ignore[attr-defined]
assert set(PriorityName.__args__) == set(Priority.values)  # type: ignore[attr-defined]
assert set(TypeName.__args__) == set(TicketType.values)  # type: ignore[attr-defined]


class Ref(Schema):
    id: int
    name: str


class ChannelRef(Ref):
    kind: str


class ErrorBody(Schema):
    code: str
    message: str
    details: Any = None


class ErrorOut(Schema):
    error: ErrorBody


# The error responses every endpoint documents.
ERRORS: dict[int, Any] = {code: ErrorOut for code in (400, 401, 403, 404, 409, 413, 422, 429)}


# --- clients -------------------------------------------------------------------------------

class IdentityOut(Schema):
    id: int
    kind: str
    value: str


class ClientBrief(Schema):
    id: int
    name: str
    is_internal: bool


class ClientOut(ClientBrief):
    company: Ref | None
    responsible: Ref | None
    note: str
    identities: list[IdentityOut]
    created_at: datetime
    merged_into_id: int | None


class ClientDetailOut(ClientOut):
    tickets: list[TicketOut]


class ClientContact(Schema):
    name: Short = ""
    email: Short = ""
    phone: Short = ""


class ClientIn(Schema):
    name: Short = ""
    email: Short = ""
    phone: Short = ""
    handles: dict[Short, Short] = {}
    company_id: Id | None = None
    is_internal: bool | None = None
    responsible_id: Id | None = None


class ClientPatch(Schema):
    name: Short | None = None
    company_id: Id | None = None
    is_internal: bool | None = None
    responsible_id: Id | None = None
    note: Text | None = None


class IdentityIn(Schema):
    kind: Literal["email", "phone", "telegram", "vk", "whatsapp", "widget", "external"]
    value: Short


class MergeClientsIn(Schema):
    client_ids: list[Id] = Field(min_length=1, max_length=50)


class ClientList(Schema):
    items: list[ClientOut]
    next_cursor: str | None


# --- tickets -------------------------------------------------------------------------------

class AttachmentOut(Schema):
    id: str
    filename: str
    content_type: str
    size: int
    rejected_reason: str


class AuthorOut(Schema):
    kind: str
    name: str
    agent_id: int | None
    client_id: int | None
    rule_id: int | None = None  # a rule's message: which rule [AU1]


class MessageOut(Schema):
    id: int
    kind: Literal["inbound", "outbound", "note", "system"]
    author: AuthorOut
    body_text: str
    body_html: str
    created_at: datetime
    delivery_state: str
    delivery_error: str
    attachments: list[AttachmentOut]


class ChangeOut(Schema):
    at: datetime
    actor: AuthorOut
    field: str
    old: str
    new: str


class TicketOut(Schema):
    id: int
    number: int
    subject: str
    status: StatusName
    priority: PriorityName
    type: TypeName
    channel: ChannelRef
    client: ClientBrief
    assignee: Ref | None
    group: Ref | None
    tags: list[str]
    created_at: datetime
    updated_at: datetime
    last_message_at: datetime
    remind_at: datetime | None
    merged_into_id: int | None
    previous_id: int | None
    archived: bool = False
    # The ticket's SLA clocks [SL2]: {"policy": {"id", "name", "source"}, "first_response":
    # {"due_at", "state", "remaining_s", "met_at"} | null, "next_response", "resolution"}
    sla: dict[str, Any] | None = None
    last_client_message_at: datetime | None = None
    last_agent_message_at: datetime | None = None
    status_changed_at: datetime | None = None


class TicketDetailOut(TicketOut):
    fields: dict[str, Any]
    identities: list[IdentityOut]
    messages: list[MessageOut]
    history: list[ChangeOut]


class SearchHitOut(Schema):
    ticket: TicketOut
    snippet: str
    score: float


class TicketList(Schema):
    items: list[TicketOut]
    next_cursor: str | None
    hits: list[SearchHitOut] | None = None


class TicketIn(Schema):
    subject: Short = ""
    message: Text = Field(min_length=1)
    client: ClientContact
    tags: list[Short] = Field(default=[], max_length=50)
    priority: PriorityName = "medium"
    type: TypeName = "question"
    group_id: Id | None = None
    assignee_id: Id | None = None
    fields: dict[Short, Any] = {}
    external_id: Short | None = None


class TicketExpected(Schema):
    status: StatusName | None = None
    priority: PriorityName | None = None
    type: TypeName | None = None
    subject: Short | None = None
    assignee_id: int | None = Field(default=None, description="0 for nobody.")
    group_id: int | None = Field(default=None, description="0 for no group.")
    fields: dict[Short, Any] | None = None


class TicketPatch(Schema):
    subject: Short | None = None
    status: StatusName | None = None
    priority: PriorityName | None = None
    type: TypeName | None = None
    assignee_id: Id | None = Field(default=None, description="0 or null with "
                                   "`unassign: true` removes the assignee")
    unassign: bool = False
    group_id: Id | None = None
    ungroup: bool = False
    tags: list[Short] | None = Field(default=None, max_length=50,
                                     description="The full set of tags (replaces).")
    add_tags: list[Short] = Field(default=[], max_length=50)
    remove_tags: list[Short] = Field(default=[], max_length=50)
    fields: dict[Short, Any] | None = None
    # The ticket's SLA policy by hand (needs the role's "sla.change"; 403 otherwise), or
    # "sla_policy": "group" back to its group's policy [SL3].
    sla_policy_id: Id | None = None
    sla_policy: Literal["group"] | None = None
    # A clock's deadline moved by hand, for its current cycle (the same permission).
    sla_due_at: dict[Literal["first_response", "next_response", "resolution"],
                     AwareDatetime] | None = None
    expected: TicketExpected | None = Field(
        default=None, description="The values you saw, for the attributes you change: if "
        "any of them changed meanwhile, nothing is written and the answer is 409.")


class MessageIn(Schema):
    body: Text = Field(min_length=1)
    kind: Literal["reply", "note"] = "reply"
    status: Literal["open", "on_hold", "pending", "solved", "closed"] | None = None
    channel_id: Id | None = Field(default=None, description="Answer through another channel "
                                  "the client has written through (default: the ticket's).")
    cc: list[Annotated[str, Field(max_length=254)]] = Field(
        default_factory=list, max_length=20,
        description="Email replies: copies (besides the ticket's participants).")
    bcc: list[Annotated[str, Field(max_length=254)]] = Field(
        default_factory=list, max_length=20, description="Email replies: blind copies.")
    template_ids: list[Id] = Field(
        default_factory=list, max_length=20,
        description="Templates the text was made from: their actions apply too [TK7].")


class MergeTicketsIn(Schema):
    ticket_ids: list[Id] = Field(min_length=1, max_length=50,
                                 description="Tickets merged into this one.")
    allow_other_clients: bool = Field(
        default=False, description="Tickets of other clients are refused (400 "
        "different_clients) unless this is true: replies then reach only this ticket's client.")


class ReminderIn(Schema):
    at: AwareDatetime


# --- directory -----------------------------------------------------------------------------

class TagOut(Schema):
    id: int
    name: str
    path: str
    parent_id: int | None


class TagIn(Schema):
    path: Short


class GroupOut(Schema):
    id: int
    name: str
    description: str
    calendar_id: int | None  # null: the company's default calendar
    sla_policy_id: int | None = None  # null: the default SLA policy


class AgentOut(Schema):
    id: int
    name: str
    email: str | None = Field(description="Not shown to contractors.")
    role: str | None = Field(description="Not shown to contractors.")
    is_active: bool
    group_ids: list[int]


class FieldOut(Schema):
    id: int
    key: str
    label: str
    kind: str
    options: Any
    required: bool
    channel_ids: list[int]


ClientDetailOut.model_rebuild()


# --- working-hours calendars [TM2] -------------------------------------------------------------

Hours = list[list[Short]]  # [["09:00", "13:00"], ["14:00", "18:00"]]; checked by calendars.inputs


class CalendarDayIo(Schema):
    date: Short
    hours: Hours = []


class RotationIo(Schema):
    start: Short
    on: int
    off: int
    hours: Hours


class CalendarIn(Schema):
    name: Short
    time_zone: Short | None = None  # default: the instance's HELPWIRE_TIME_ZONE
    week: dict[Short, Hours] | None = None
    rotation: RotationIo | None = None  # in place of "week"
    holidays: Short | None = None  # a country code ("RU") or null
    days: list[CalendarDayIo] = []
    is_default: bool | None = None


class CalendarPatch(Schema):
    name: Short | None = None
    time_zone: Short | None = None
    week: dict[Short, Hours] | None = None
    rotation: RotationIo | None = None
    holidays: Short | None = None
    days: list[CalendarDayIo] | None = None
    is_default: bool | None = None


class CalendarOut(Schema):
    id: int
    name: str
    time_zone: str
    week: dict[str, Hours]
    rotation: RotationIo | None
    holidays: str | None
    days: list[CalendarDayIo]
    is_default: bool
    group_ids: list[int]
    updated_at: datetime


class GroupPatch(Schema):
    calendar_id: Id | None = None
    sla_policy_id: Id | None = None


# --- SLA [SL1 SL2] -----------------------------------------------------------------------------

class SlaPolicyIn(Schema):
    name: Short
    calendar_id: Id | None = None  # null: round the clock
    # {"medium": {"first_response": 3600, "next_response": 7200, "resolution": 86400}}: seconds
    # of working time; a missing metric has no target.
    targets: dict[str, dict[str, int | None]]
    warning_seconds: int = 900
    pause_on: list[str] = Field(default_factory=lambda: ["pending", "on_hold"])
    notes_count: bool = False
    is_default: bool | None = None


class SlaPolicyPatch(Schema):
    name: Short | None = None
    calendar_id: Id | None = None
    targets: dict[str, dict[str, int | None]] | None = None
    warning_seconds: int | None = None
    pause_on: list[str] | None = None
    notes_count: bool | None = None
    is_default: bool | None = None


class SlaPolicyOut(Schema):
    id: int
    name: str
    calendar_id: int | None
    targets: dict[str, dict[str, int]]
    warning_seconds: int
    pause_on: list[str]
    notes_count: bool
    is_default: bool


# --- rules [AU1] -------------------------------------------------------------------------------

class RuleIn(Schema):
    name: Short
    enabled: bool = True
    mode: Literal["event", "time", "manual"] = "event"
    events: list[Short] = []
    conditions: dict[str, list[dict[str, Any]]] = {"all": [], "any": []}
    actions: list[dict[str, Any]]
    stop: bool = False
    daily_cap: Annotated[int, Field(ge=1, le=1000)] | None = None


class RulePatch(Schema):
    name: Short | None = None
    enabled: bool | None = None
    mode: Literal["event", "time", "manual"] | None = None
    events: list[Short] | None = None
    conditions: dict[str, list[dict[str, Any]]] | None = None
    actions: list[dict[str, Any]] | None = None
    stop: bool | None = None
    daily_cap: Annotated[int, Field(ge=1, le=1000)] | None = None
    position: Annotated[int, Field(ge=0, le=100_000)] | None = None


class RuleOut(Schema):
    id: int
    name: str
    enabled: bool
    position: int
    mode: str
    events: list[str]
    conditions: dict[str, Any]
    actions: list[dict[str, Any]]
    stop: bool
    daily_cap: int
    created_at: datetime
    updated_at: datetime


class RuleTryIn(Schema):
    ticket_id: Id
    event: Short | None = None


class RuleTryOut(Schema):
    matched: bool
    event: str
    conditions: list[dict[str, Any]]
    actions: list[dict[str, Any]]


class RuleRunIn(Schema):
    """Run a manual rule on these tickets, or on the tickets of a saved filter [AU6]."""
    ticket_ids: list[Id] | None = Field(default=None, max_length=100_000)
    saved_filter_id: Id | None = None


class JobFailureOut(Schema):
    ticket_id: int | None
    target: str
    error: str


class JobOut(Schema):
    id: int
    action: str
    state: str  # running | paused | done
    total: int
    done: int
    failed: int
    skipped: int
    created_at: datetime
    finished_at: datetime | None
    failures: list[JobFailureOut]  # the first 50


class MailingIn(Schema):
    """A mass mailing [AU7]: a template to pasted addresses or to the clients of the tickets
    with a tag, through an email channel; each copy on a ticket of its own."""
    template_id: Id
    channel_id: Id
    subject: Short
    name: Short = ""
    addresses: list[Annotated[str, StringConstraints(max_length=320)]] | None = Field(
        default=None, max_length=10_000)
    clients_of_tag: Short | None = None
    group_id: Id | None = None
    tag: Short = ""  # put on every copy's ticket: the answers come back tagged


class MailingOut(Schema):
    id: int
    name: str
    subject: str
    template_id: int | None
    channel_id: int
    group_id: int | None
    tag: str
    clients_of_tag: str
    recipients: int
    invalid: list[str] = []
    created_at: datetime
    job: JobOut | None


class FiringOut(Schema):
    id: int
    rule_id: int | None
    rule_name: str
    ticket_id: int
    event: str
    matched: list[dict[str, Any]]
    done: list[dict[str, Any]]
    outcome: str
    error: str
    at: datetime


# --- reply templates [TK7] ---------------------------------------------------------------------

class TemplateIn(Schema):
    title: Short
    body: Text
    section: Short = ""  # a path in the templates tree: "Финансы › Возвраты"
    is_active: bool = True
    # Applied when an agent sends a reply made from it: add_tags, remove_tags, set_status,
    # set_priority, set_type — the rules' action shapes [TK7].
    actions: list[dict[str, Any]] = Field(default_factory=list, max_length=10)


class TemplatePatch(Schema):
    title: Short | None = None
    body: Text | None = None
    section: Short | None = None
    is_active: bool | None = None
    actions: list[dict[str, Any]] | None = Field(default=None, max_length=10)


class TemplateOut(Schema):
    id: int
    title: str
    body: str
    section: str
    is_active: bool
    actions: list[dict[str, Any]] = []


class RequestOut(Schema):
    id: int
    event_id: str
    ticket_id: int | None
    method: str
    url: str
    state: str
    attempts: int
    last_status: int | None
    last_error: str
    response: str
    created_at: datetime
    sent_at: datetime | None
    next_attempt_at: datetime | None
