"""Tickets, messages, attachments, tree tags, custom fields and history [TK1 TK4 TK5 TK10]."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from helpwire.core.actors import ActorFields


class Status(models.TextChoices):
    NEW = "new", _("new")
    OPEN = "open", _("open")
    ON_HOLD = "on_hold", _("on hold")
    PENDING = "pending", _("pending")
    SOLVED = "solved", _("solved")
    CLOSED = "closed", _("closed")
    SPAM = "spam", _("spam")
    MERGED = "merged", _("merged")
    # A mass mailing's copy to one recipient (Usedesk's status 9) [AU7]: out of queues and
    # statistics until the recipient answers.
    MAILING = "mailing", _("mailing")


# Tickets in these statuses stay out of statistics and counts [TK3].
UNCOUNTED_STATUSES = (Status.SPAM, Status.MERGED, Status.MAILING)
# Tickets that have left the working flow: no reminders, no replies.
FINISHED = (Status.CLOSED, Status.MERGED, Status.SPAM)
# The counter cells' name for closed tickets that were archived [AU5].
ARCHIVED = "archived"
# Tickets somebody still has to work: an agent's "open tickets", the "All active" queue.
IN_WORK = (Status.NEW, Status.OPEN, Status.ON_HOLD, Status.PENDING)


class Priority(models.TextChoices):
    LOW = "low", _("low")
    MEDIUM = "medium", _("medium")
    URGENT = "urgent", _("urgent")
    EXTREME = "extreme", _("extreme")


class TicketType(models.TextChoices):
    QUESTION = "question", _("question")
    TASK = "task", _("task")
    PROBLEM = "problem", _("problem")
    INCIDENT = "incident", _("incident")


TAG_SEPARATOR = " › "


class Tag(models.Model):
    """A node of the tag tree: tag › subtag › inner tag [TK4]. ``path`` is the full path,
    kept so a subtree is one indexed prefix match."""

    name = models.CharField(_("name"), max_length=100)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE,
                               related_name="children", verbose_name=_("parent"))
    path = models.CharField(_("full path"), max_length=500, unique=True, editable=False)

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="tickets_tag_unique_name")
        ]

    def __str__(self) -> str:
        return self.path

    def save(self, *args: object, **kwargs: object) -> None:
        # Derived column only; renames of a parent are propagated by tags.rename_tag.
        self.path = (self.parent.path + TAG_SEPARATOR if self.parent else "") + self.name
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class FieldKind(models.TextChoices):
    TEXT = "text", _("text")
    LIST = "list", _("list")
    CHECKBOX = "checkbox", _("checkbox")
    NESTED = "nested", _("nested list")


class CustomField(models.Model):
    """A ticket field. ``options`` is a list of strings for a list field, and for a nested
    list a tree: ``[{"value": "Оплата", "children": [{"value": "Возврат"}]}]`` [TK5]."""

    key = models.SlugField(_("key"), max_length=64, unique=True)
    label = models.CharField(_("label"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=FieldKind.choices)
    options = models.JSONField(_("options"), default=list, blank=True)
    required = models.BooleanField(
        _("required"), default=False,
        help_text=_("A ticket cannot be solved or closed while this field is empty."),
    )
    # Empty means the field shows on every channel.
    channels = models.ManyToManyField("connectors.Channel", blank=True, related_name="fields",
                                      verbose_name=_("channels"))
    position = models.PositiveIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("custom field")
        verbose_name_plural = _("custom fields")
        ordering = ["position", "label"]

    def __str__(self) -> str:
        return self.label


class TicketQuerySet(models.QuerySet["Ticket"]):
    def counted(self) -> TicketQuerySet:
        """Tickets that count in statistics: spam and merged ones never do [TK3]."""
        return self.exclude(status__in=UNCOUNTED_STATUSES)


class Ticket(models.Model):
    number = models.BigIntegerField(_("number"), unique=True)
    subject = models.CharField(_("subject"), max_length=500, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices,
                              default=Status.NEW)
    priority = models.CharField(_("priority"), max_length=16, choices=Priority.choices,
                                default=Priority.MEDIUM)
    type = models.CharField(_("type"), max_length=16, choices=TicketType.choices,
                            default=TicketType.QUESTION)
    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT,
                               related_name="tickets", verbose_name=_("client"))
    channel = models.ForeignKey("connectors.Channel", on_delete=models.PROTECT,
                                related_name="tickets", verbose_name=_("channel"))
    assignee = models.ForeignKey("accounts.Agent", null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="assigned_tickets",
                                 verbose_name=_("assignee"))
    group = models.ForeignKey("accounts.Group", null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="tickets",
                              verbose_name=_("group"))
    tags = models.ManyToManyField(Tag, blank=True, related_name="tickets",
                                  verbose_name=_("tags"))
    mentioned = models.ManyToManyField("accounts.Agent", blank=True, related_name="mentioned_in",
                                       verbose_name=_("mentioned agents"))
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="merged_from", verbose_name=_("merged into"))
    previous = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="followups",
        verbose_name=_("previous ticket"),
        help_text=_("The closed ticket this one continues."),
    )
    remind_at = models.DateTimeField(_("reminder"), null=True, blank=True)
    # A colleague's request (an internal requester, or mail to an internal mailbox) [CL4].
    is_internal = models.BooleanField(_("internal request"), default=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    last_message_at = models.DateTimeField(_("last message at"), default=timezone.now)
    first_response_at = models.DateTimeField(_("first response at"), null=True, blank=True)
    solved_at = models.DateTimeField(_("solved at"), null=True, blank=True)
    # When the client's oldest message that nobody has answered yet arrived; empty while
    # the last word is ours (or the ticket is solved). "Waiting since" in the lists.
    waiting_since = models.DateTimeField(_("waiting since"), null=True, blank=True)
    # What time rules count from [AU4]: the client's last message, an agent's last public
    # reply (automatic ones are not), the last status change.
    last_client_message_at = models.DateTimeField(_("client's last message"), null=True,
                                                  blank=True)
    last_agent_message_at = models.DateTimeField(_("agent's last reply"), null=True,
                                                 blank=True)
    status_changed_at = models.DateTimeField(_("status changed at"), default=timezone.now)
    # Closed straight into the archive (service mail) [AU5]: out of the queues, searchable.
    archived = models.BooleanField(_("archived"), default=False)
    # Priorities as numbers, so lists sort by urgency (the stored codes sort alphabetically).
    priority_rank = models.GeneratedField(
        expression=models.Case(*(models.When(priority=p, then=models.Value(rank))
                                 for rank, p in enumerate(Priority.values, start=1)),
                               default=models.Value(0)),
        output_field=models.SmallIntegerField(), db_persist=True)

    objects = TicketQuerySet.as_manager()

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        indexes = [
            models.Index(fields=["status", "-updated_at", "-id"], name="tickets_status_upd"),
            models.Index(fields=["assignee", "status", "-updated_at"], name="tickets_assignee"),
            models.Index(fields=["group", "status", "-updated_at"], name="tickets_group"),
            models.Index(fields=["client", "-created_at"], name="tickets_client"),
            models.Index(fields=["channel", "-updated_at"], name="tickets_channel"),
            models.Index(fields=["-updated_at", "-id"], name="tickets_updated"),
            models.Index(fields=["-created_at", "-id"], name="tickets_created"),
            models.Index(fields=["priority_rank", "-updated_at", "-id"], name="tickets_priority"),
            models.Index(fields=["waiting_since", "id"], name="tickets_waiting"),
        ]

    def __str__(self) -> str:
        return f"#{self.number} {self.subject}"

    @property
    def is_counted(self) -> bool:
        return self.status not in UNCOUNTED_STATUSES


class TicketNumber(models.Model):
    """A one-row counter for ticket numbers on databases without sequences (SQLite, where
    writers are serialised anyway). PostgreSQL uses a real sequence instead."""

    value = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return str(self.value)


class ThreadKey(models.Model):
    """A connector's conversation key (email Message-IDs, a chat id…) → its ticket."""

    channel = models.ForeignKey("connectors.Channel", on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=500)
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="thread_keys")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["channel", "key"], name="tickets_threadkey_unique")
        ]

    def __str__(self) -> str:
        return self.key


class FieldValue(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="field_values")
    field = models.ForeignKey(CustomField, on_delete=models.CASCADE, related_name="values")
    value = models.JSONField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["ticket", "field"], name="tickets_fieldvalue_unique")
        ]

    def __str__(self) -> str:
        return f"{self.field_id}={self.value}"


class MessageKind(models.TextChoices):
    INBOUND = "inbound", _("inbound")
    OUTBOUND = "outbound", _("outbound")
    NOTE = "note", _("private note")
    SYSTEM = "system", _("system")


class DeliveryState(models.TextChoices):
    QUEUED = "queued", _("queued")
    SENT = "sent", _("sent")
    FAILED = "failed", _("failed")


class Message(ActorFields):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(_("kind"), max_length=16, choices=MessageKind.choices)
    channel = models.ForeignKey("connectors.Channel", on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("channel"))
    body_html = models.TextField(_("HTML body"), blank=True)  # always sanitised on the way in
    body_text = models.TextField(_("text body"), blank=True)
    external_id = models.CharField(_("external id"), max_length=500, null=True, blank=True)
    meta = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    delivery_state = models.CharField(_("delivery"), max_length=16, blank=True,
                                      choices=DeliveryState.choices)
    delivery_error = models.TextField(_("delivery error"), blank=True)
    delivery_attempts = models.PositiveSmallIntegerField(default=0)
    # Fixed when the reply is stored and sent with every attempt (an email's Message-ID, a
    # provider's idempotency key), so a resend after a crash can be dropped by the receiver.
    delivery_key = models.CharField(_("delivery key"), max_length=64, blank=True)
    # Queued: when the next attempt is due. A worker holds a claim until ``lease_until``;
    # past it, the claim is considered dead and the delivery sweep hands it out again.
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        indexes = [
            models.Index(fields=["ticket", "created_at", "id"], name="tickets_msg_order"),
            models.Index(fields=["next_attempt_at"], name="tickets_msg_queued",
                         condition=models.Q(delivery_state="queued")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "external_id"], condition=models.Q(external_id__isnull=False),
                name="tickets_message_external_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} on {self.ticket_id}"


def attachment_path(instance: Attachment, filename: str) -> str:
    # The stored name is the unguessable id, never the client's file name.
    return f"{instance.created_at:%Y/%m}/{instance.id.hex}"


class Attachment(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=300, blank=True)
    filename = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=255, blank=True)
    size = models.BigIntegerField(_("size"), default=0)
    # Set when the file was refused (too large…): the row stays so nothing vanishes silently.
    rejected_reason = models.CharField(_("not stored because"), max_length=300, blank=True)
    # An email's inline image: the body shows it where it says ``cid:<content_id>``.
    content_id = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.filename


class Change(ActorFields):
    """One line of a ticket's history: who changed what from what to what, and when."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="history")
    field = models.CharField(_("field"), max_length=64)
    old = models.TextField(_("old value"), blank=True)
    new = models.TextField(_("new value"), blank=True)
    created_at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("change")
        verbose_name_plural = _("history")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["ticket", "created_at"], name="tickets_change_ticket")]

    def __str__(self) -> str:
        return f"{self.field}: {self.old} → {self.new}"


class QueueCounter(models.Model):
    """How many tickets sit in each (status, group, assignee, channel) cell, kept in step by
    the actions, so queue counts never need COUNT(*) over the ticket table (CHECKLIST 14).
    0 stands for "no group" / "nobody" so the cell key can be unique."""

    status = models.CharField(max_length=16)
    group_key = models.BigIntegerField(default=0)
    assignee_key = models.BigIntegerField(default=0)
    channel_id = models.BigIntegerField()
    count = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["status", "group_key", "assignee_key", "channel_id"],
                                    name="tickets_queuecounter_cell")
        ]

    def __str__(self) -> str:
        return f"{self.status}/{self.group_key}/{self.assignee_key}/{self.channel_id}={self.count}"


class QueueCounterDelta(models.Model):
    """A +1 / -1 on a counter cell, appended by the transaction that moved a ticket. Writers
    only ever insert here, so no two transactions wait on one hot counter row; the
    scheduler folds these into ``QueueCounter`` every few seconds, and readers add up both
    tables, so counts are exact at every moment."""

    status = models.CharField(max_length=16)
    group_key = models.BigIntegerField(default=0)
    assignee_key = models.BigIntegerField(default=0)
    channel_id = models.BigIntegerField()
    delta = models.IntegerField()

    def __str__(self) -> str:
        cell = f"{self.status}/{self.group_key}/{self.assignee_key}/{self.channel_id}"
        return f"{cell} {self.delta:+d}"


class BulkJob(models.Model):
    """One action over many tickets, done in the worker ticket by ticket through the same
    action as a single edit [TK9]. Each ticket is an item marked done in the same
    transaction as its change, so a job interrupted anywhere resumes without doing anything
    twice. Manual rules and mailings run through it too [AU6 AU7]."""

    class State(models.TextChoices):
        RUNNING = "running", _("running")
        PAUSED = "paused", _("paused")
        DONE = "done", _("done")

    created_by = models.ForeignKey("accounts.Agent", on_delete=models.CASCADE,
                                   related_name="+", verbose_name=_("started by"))
    action = models.CharField(_("action"), max_length=32)
    # The action's input, as the input layer takes it (``{"status": "solved"}``).
    params = models.JSONField(default=dict, blank=True)
    state = models.CharField(_("state"), max_length=16, choices=State.choices,
                             default=State.RUNNING)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    # Items left alone on purpose: a manual rule that already did this ticket, or whose
    # conditions do not hold on it.
    skipped = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    # Moved on with every ticket: a running job that stops moving lost its worker.
    touched_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("bulk job")
        verbose_name_plural = _("bulk jobs")

    def __str__(self) -> str:
        return f"{self.action} ×{self.total}"


class BulkJobItem(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", _("pending")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")
        SKIPPED = "skipped", _("skipped")

    job = models.ForeignKey(BulkJob, on_delete=models.CASCADE, related_name="items")
    # A ticket, or for a mailing a recipient's address (``target``) [AU7].
    ticket_id = models.BigIntegerField(null=True, blank=True)
    target = models.CharField(max_length=320, blank=True)
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    error = models.TextField(blank=True)

    class Meta:
        indexes = [models.Index(fields=["job", "state", "id"], name="tickets_bulkitem_next")]

    def __str__(self) -> str:
        return f"{self.job_id}/{self.ticket_id} {self.state}"
