"""Ratings [RP1 AU10], per-ticket facts and their daily rollups [RP2–RP6]."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Grade(models.TextChoices):
    GOOD = "good", _("good")
    NORMAL = "normal", _("normal")
    BAD = "bad", _("bad")


class Frequency(models.TextChoices):
    ONCE = "once", _("once per ticket")
    EVERY = "every", _("every time")


class Formula(models.TextChoices):
    GOOD_BAD = "good_bad", _("good ÷ (good + bad)")
    GOOD_ALL = "good_all", _("good ÷ all ratings")


class RatingSettings(models.Model):
    """The instance's rating settings: one row (pk 1)."""

    enabled = models.BooleanField(_("ask clients to rate"), default=True)
    ask_on = models.CharField(_("ask when the ticket becomes"), max_length=16, default="solved")
    frequency = models.CharField(_("how often"), max_length=8, choices=Frequency.choices,
                                 default=Frequency.ONCE)
    link_days = models.PositiveSmallIntegerField(_("links work for (days)"), default=30)
    formula = models.CharField(_("score"), max_length=16, choices=Formula.choices,
                               default=Formula.GOOD_BAD)

    class Meta:
        verbose_name = _("rating settings")

    def __str__(self) -> str:
        return "rating settings"


class Rating(models.Model):
    """One request to rate a ticket and, once the client answered, his grade. The rated
    agent is fixed when the request is sent."""

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE,
                               related_name="ratings", verbose_name=_("ticket"))
    agent = models.ForeignKey("accounts.Agent", null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+", verbose_name=_("rated agent"))
    message = models.ForeignKey("tickets.Message", null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="+")
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    grade = models.CharField(_("grade"), max_length=8, choices=Grade.choices, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    rated_at = models.DateTimeField(_("rated at"), null=True, blank=True)
    excluded = models.BooleanField(_("excluded from statistics"), default=False)
    exclude_reason = models.CharField(_("why excluded"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        indexes = [models.Index(fields=["ticket", "-requested_at"], name="reports_rating_ticket")]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.grade or '-'}"


class Metric(models.TextChoices):
    CREATED = "created", _("created")
    SOLVED = "solved", _("solved")
    FIRST_REPLY = "first_reply", _("first reply time")
    REPLY = "reply", _("next reply time")
    REPLIES = "replies", _("replies")
    FIRST_RESOLUTION = "first_resolution", _("first resolution time")
    RESOLUTION = "resolution", _("full resolution time")
    REOPENED = "reopened", _("reopened")
    ONE_TOUCH = "one_touch", _("one-touch resolution")
    SLA_MET = "sla_met", _("SLA met")
    SLA_BREACHED = "sla_breached", _("SLA breached")
    GOOD = "good", _("good")
    NORMAL = "normal", _("normal")
    BAD = "bad", _("bad")


class Fact(models.Model):
    """One measured event of one ticket, with the ticket's dimensions. The day is the
    event's day in the instance's time zone. Durations are in working seconds (the
    ticket's calendar) and calendar seconds. ``target`` names the SLA target of an SLA
    fact. 0 in a key column stands for "none"."""

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+",
                               db_constraint=False)
    metric = models.CharField(max_length=16)
    day = models.DateField()
    at = models.DateTimeField()
    value_s = models.BigIntegerField(null=True)
    calendar_s = models.BigIntegerField(null=True)
    target = models.CharField(max_length=16, blank=True)
    agent_key = models.BigIntegerField(default=0)
    group_key = models.BigIntegerField(default=0)
    channel_key = models.BigIntegerField(default=0)
    company_key = models.BigIntegerField(default=0)
    priority = models.CharField(max_length=16, blank=True)
    internal = models.BooleanField(default=False)

    class Meta:
        indexes = [
            # Covering for the medians' reads of a period, by time or by agent, group or
            # channel (no table lookups: a month by agent read 80,000 rows from the table).
            models.Index(fields=["metric", "day", "value_s", "calendar_s", "agent_key",
                                 "group_key", "channel_key"], name="reports_fact_day"),
            models.Index(fields=["ticket", "metric"], name="reports_fact_ticket"),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.metric} {self.day}"


# The columns a fact and a rollup row share: the rollup's key. Companies are many, so they
# would make the rollup as long as the facts: a company filter reads the facts.
DIMENSIONS = ("metric", "day", "target", "agent_key", "group_key", "channel_key", "priority",
              "internal")


class Daily(models.Model):
    """Counts and sums of facts per day and dimension. Writers only ever insert here
    (+1 rows, -1 rows when a fact goes), so no two transactions wait on one hot row; the
    scheduler folds each key's rows into one, and readers always SUM."""

    metric = models.CharField(max_length=16)
    day = models.DateField()
    target = models.CharField(max_length=16, blank=True)
    agent_key = models.BigIntegerField(default=0)
    group_key = models.BigIntegerField(default=0)
    channel_key = models.BigIntegerField(default=0)
    priority = models.CharField(max_length=16, blank=True)
    internal = models.BooleanField(default=False)
    count = models.BigIntegerField(default=0)
    sum_s = models.BigIntegerField(default=0)
    sum_calendar_s = models.BigIntegerField(default=0)
    # Written by the fold: one row per key for its day.
    folded = models.BooleanField(default=False)

    class Meta:
        indexes = [
            models.Index(fields=["metric", "day"], name="reports_daily_day"),
            models.Index(fields=["day"], name="reports_daily_unfolded",
                         condition=models.Q(folded=False)),
        ]

    def __str__(self) -> str:
        return f"{self.metric} {self.day} {self.count}"


class Total(models.Model):
    """The same counts over one dimension at a time (``dim`` "" is everything; "agent",
    "group" or "channel" with its ``key``): a few hundred rows a day whatever the volume,
    so a year's overview, or one channel's, reads a year of these instead of the full
    rollup. Insert-only and folded like ``Daily``."""

    metric = models.CharField(max_length=16)
    day = models.DateField()
    dim = models.CharField(max_length=8, blank=True)
    key = models.BigIntegerField(default=0)
    count = models.BigIntegerField(default=0)
    sum_s = models.BigIntegerField(default=0)
    sum_calendar_s = models.BigIntegerField(default=0)
    folded = models.BooleanField(default=False)

    class Meta:
        indexes = [
            models.Index(fields=["dim", "key", "metric", "day"], name="reports_total_dim"),
            models.Index(fields=["day"], name="reports_total_unfolded",
                         condition=models.Q(folded=False)),
        ]

    def __str__(self) -> str:
        return f"{self.metric} {self.day} {self.dim}={self.key} {self.count}"


# Total's dimensions, and the fact column each reads.
TOTAL_DIMS = {"": None, "agent": "agent_key", "group": "group_key", "channel": "channel_key"}
# The metrics that are durations (the others are counts).
TIMED = (Metric.FIRST_REPLY, Metric.REPLY, Metric.FIRST_RESOLUTION, Metric.RESOLUTION)


class Spread(models.Model):
    """How a day's durations spread: how many facts of a timed metric fall in each
    value bucket (``buckets``), in working or in calendar seconds. Summed over a period it
    shows which bucket holds the middle value, so an exact median reads only that bucket's
    facts instead of every value of the period. Insert-only and folded like ``Daily``."""

    metric = models.CharField(max_length=16)
    day = models.DateField()
    calendar = models.BooleanField(default=False)
    bucket = models.SmallIntegerField()
    count = models.BigIntegerField(default=0)
    folded = models.BooleanField(default=False)

    class Meta:
        indexes = [
            models.Index(fields=["metric", "day", "calendar", "bucket", "count"],
                         name="reports_spread_day"),
            models.Index(fields=["day"], name="reports_spread_unfolded",
                         condition=models.Q(folded=False)),
        ]

    def __str__(self) -> str:
        return f"{self.metric} {self.day} {self.bucket} {self.count}"


class Snapshot(models.Model):
    """How many tickets were open, pending and on hold at the end of a day (nightly)."""

    day = models.DateField()
    status = models.CharField(max_length=16)
    group_key = models.BigIntegerField(default=0)
    agent_key = models.BigIntegerField(default=0)
    channel_key = models.BigIntegerField(default=0)
    count = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(
            fields=["day", "status", "group_key", "agent_key", "channel_key"],
            name="reports_snapshot_cell")]

    def __str__(self) -> str:
        return f"{self.day} {self.status} {self.count}"


class TagSet(models.Model):
    """A saved set of tags watched week by week [RP3]."""

    name = models.CharField(_("name"), max_length=100)
    tags = models.ManyToManyField("tickets.Tag", related_name="+", verbose_name=_("tags"))
    created_by = models.ForeignKey("accounts.Agent", null=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        verbose_name = _("tag set")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Period(models.TextChoices):
    WEEKLY = "weekly", _("every Monday (last week)")
    MONTHLY = "monthly", _("on the 1st (last month)")


class Schedule(models.Model):
    """A report emailed on a schedule [RP4]: ``params`` is the report's query string."""

    name = models.CharField(_("name"), max_length=100)
    report = models.CharField(_("report"), max_length=16, default="overview")
    params = models.CharField(_("filters"), max_length=1000, blank=True)
    period = models.CharField(_("when"), max_length=8, choices=Period.choices,
                              default=Period.WEEKLY)
    recipients = models.TextField(_("send to"))
    due_at = models.DateTimeField(_("next sending"))
    last_sent_at = models.DateTimeField(_("last sent"), null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_by = models.ForeignKey("accounts.Agent", null=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        verbose_name = _("scheduled report")
        indexes = [models.Index(fields=["due_at"], name="reports_schedule_due")]

    def __str__(self) -> str:
        return self.name


# Events of this app (rules act on the first [AU10]).
RATING_RECEIVED = "rating.received"
RATING_EXCLUDED = "rating.excluded"
