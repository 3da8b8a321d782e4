"""The tag tree [TK4]: find or create by full path, subtree lookups, renames."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from helpwire.core.actors import Actor
from helpwire.tickets.history import ChangeSet
from helpwire.tickets.locks import lock_tickets
from helpwire.tickets.models import TAG_SEPARATOR, Tag, Ticket

# Paths (tags, nested list values) are accepted as "a › b › c", "a > b > c" or "a/b/c";
# they are stored and shown with TAG_SEPARATOR.
_SEPARATORS = re.compile(r"\s*(?:›|>|/)\s*")
MAX_DEPTH = 5


def levels(path: str) -> list[str]:
    """The levels of a path as typed, without validation (empty levels dropped)."""
    return [p.strip() for p in _SEPARATORS.split(path or "") if p.strip()]


def join(parts: list[str]) -> str:
    return TAG_SEPARATOR.join(str(p) for p in parts)


def has_separator(name: str) -> bool:
    return bool(_SEPARATORS.search(name or ""))


def depth(path: str) -> int:
    """0 for a top-level path, 1 for its children…"""
    return max(len(levels(path)) - 1, 0)


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def split_path(path: str) -> list[str]:
    if _CONTROL.search(path or ""):
        raise ValidationError(_("A tag name cannot contain control characters."),
                              code="invalid_tag")
    parts = levels(path)
    if not parts:
        raise ValidationError(_("A tag needs a name."), code="invalid_tag")
    if len(parts) > MAX_DEPTH or any(len(p) > 100 for p in parts):
        raise ValidationError(_("Tag %(path)s is too long or too deep."), code="invalid_tag",
                              params={"path": path})
    return parts


def ensure(path: str) -> Tag:
    """The tag at this path, creating missing nodes on the way."""
    parent: Tag | None = None
    for name in split_path(path):
        parent, _created = Tag.objects.get_or_create(parent=parent, name=name)
    assert parent is not None
    return parent


def find(path: str) -> Tag | None:
    return Tag.objects.filter(path=TAG_SEPARATOR.join(split_path(path))).first()


def subtree_q(tag: Tag, prefix: str = "") -> Q:
    """Filter for rows tagged with this tag or anything below it."""
    return Q(**{f"{prefix}path": tag.path}) | Q(
        **{f"{prefix}path__startswith": tag.path + TAG_SEPARATOR}
    )


def subtree(tag: Tag) -> QuerySet[Tag]:
    return Tag.objects.filter(subtree_q(tag))


@transaction.atomic
def rename(*, tag: Tag, name: str) -> Tag:
    old_path = tag.path
    tag.name = name.strip()
    tag.save()
    for child in Tag.objects.filter(path__startswith=old_path + TAG_SEPARATOR).order_by("path"):
        child.save()  # recomputes the path from its (already renamed) parent
    return tag


@transaction.atomic
def delete_tag(*, tag: Tag, actor: Actor) -> int:
    """Delete a leaf tag; every ticket carrying it gets a history line and an event first
    (a plain delete would drop the links silently). Returns how many tickets lost it.
    Tickets are locked before the tag (the house lock order); the tag's own lock then waits
    for anyone tagging a ticket with it right now, whose ticket is picked up after."""
    handled: set[int] = set()
    while True:
        ids = set(Ticket.tags.through.objects.filter(tag_id=tag.pk)
                  .values_list("ticket_id", flat=True)) - handled
        for ticket in lock_tickets(ids).values():
            before = [t.path for t in ticket.tags.all()]
            cs = ChangeSet(ticket, actor, engages=False)
            cs.note("tags", before, [p for p in before if p != tag.path])
            cs.commit()
        handled |= ids
        locked = Tag.objects.select_for_update().filter(pk=tag.pk).first()
        if locked is None:
            return len(handled)
        if locked.children.exists():
            raise ValidationError(_("Tag “%(path)s” has subtags; delete them first."),
                                  code="tag_has_children", params={"path": locked.path})
        if not Ticket.tags.through.objects.filter(tag_id=tag.pk).exclude(
                ticket_id__in=handled).exists():
            locked.delete()
            return len(handled)
