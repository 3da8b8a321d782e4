"""The reports app's writes: a client's grade, a manager's exclusion, the settings, tag
sets and scheduled reports. Each is one transaction: validate, write, history, event."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from helpwire.accounts import permissions
from helpwire.core import events
from helpwire.core.actors import Actor
from helpwire.reports.models import (
    RATING_EXCLUDED,
    RATING_RECEIVED,
    Grade,
    Rating,
    RatingSettings,
    Schedule,
    TagSet,
)
from helpwire.reports.schedules import next_due
from helpwire.tickets.history import ChangeSet
from helpwire.tickets.locks import lock_ticket
from helpwire.tickets.models import Status, Tag

MAX_COMMENT = 2000


@transaction.atomic
def rate(*, rating_id: int, grade: str, comment: str = "") -> Rating:
    """The client's grade (and comment), changeable until the ticket closes."""
    if grade not in Grade.values:
        raise ValidationError(_("Choose one of the grades."), code="invalid_grade")
    rating = Rating.objects.get(pk=rating_id)
    ticket = lock_ticket(rating.ticket_id)
    rating.refresh_from_db()
    if ticket.status in (Status.CLOSED, Status.MERGED, Status.SPAM):
        raise ValidationError(_("This request is closed; its rating can no longer change."),
                              code="ticket_closed")
    comment = comment.strip()[:MAX_COMMENT]
    if rating.grade == grade and rating.comment == comment:
        return rating
    old = rating.grade
    rating.grade, rating.comment, rating.rated_at = grade, comment, timezone.now()
    rating.save(update_fields=["grade", "comment", "rated_at"])
    actor = Actor.of_client(ticket.client)
    if old != grade:
        cs = ChangeSet(ticket, actor, engages=False)
        cs.note("rating", old, grade)
        cs.commit(now=rating.rated_at)
    events.emit(RATING_RECEIVED, actor=actor, ticket_id=ticket.pk, rating_id=rating.pk,
                grade=grade, previous=old, comment=comment, agent_id=rating.agent_id,
                in_hand={"ticket": ticket, "rating": rating})
    return rating


@transaction.atomic
def exclude(*, actor: Actor, rating_id: int, excluded: bool, reason: str = "") -> Rating:
    """Take a rating out of the statistics (with the reason) or put it back."""
    permissions.require(actor, "rating.exclude")
    rating = Rating.objects.get(pk=rating_id)
    ticket = lock_ticket(rating.ticket_id)
    rating.refresh_from_db()
    reason = reason.strip()
    if excluded and not reason:
        raise ValidationError(_("Say why the rating is excluded."), code="reason_required")
    if rating.excluded == excluded:
        return rating
    rating.excluded, rating.exclude_reason = excluded, reason if excluded else ""
    rating.save(update_fields=["excluded", "exclude_reason"])
    cs = ChangeSet(ticket, actor, engages=False)
    cs.note("rating_excluded", "", reason if excluded else _("counted again"))
    cs.commit()
    events.emit(RATING_EXCLUDED, actor=actor, ticket_id=ticket.pk, rating_id=rating.pk,
                excluded=excluded, reason=reason)
    return rating


@transaction.atomic
def save_settings(*, actor: Actor, values: dict[str, Any]) -> RatingSettings:
    permissions.require(actor, "settings.manage")
    row, _created = RatingSettings.objects.select_for_update().get_or_create(pk=1)
    for name, value in values.items():
        setattr(row, name, value)
    row.save()
    return row


@transaction.atomic
def save_tag_set(*, actor: Actor, tag_set: TagSet | None, name: str, tags: list[Tag]) -> TagSet:
    permissions.require(actor, "report.view")
    if not name.strip() or not tags:
        raise ValidationError(_("A tag set needs a name and at least one tag."),
                              code="invalid_tag_set")
    tag_set = tag_set or TagSet(created_by=actor.agent)
    tag_set.name = name.strip()
    tag_set.save()
    tag_set.tags.set(tags)
    return tag_set


@transaction.atomic
def delete_tag_set(*, actor: Actor, tag_set: TagSet) -> None:
    permissions.require(actor, "report.view")
    tag_set.delete()


@transaction.atomic
def save_schedule(*, actor: Actor, schedule: Schedule | None, values: dict[str, Any]
                  ) -> Schedule:
    """Create or change a scheduled report; a new one, or one whose period changed, is next
    due on the coming Monday or 1st."""
    permissions.require(actor, "report.view")
    schedule = schedule or Schedule(created_by=actor.agent)
    moved = schedule.pk is None or schedule.period != values.get("period", schedule.period)
    for name, value in values.items():
        setattr(schedule, name, value)
    if moved:
        schedule.due_at = next_due(schedule.period, timezone.now())
    schedule.save()
    return schedule


@transaction.atomic
def delete_schedule(*, actor: Actor, schedule: Schedule) -> None:
    permissions.require(actor, "report.view")
    schedule.delete()
