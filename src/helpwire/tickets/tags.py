"""The tag tree [TK4]: find or create by full path, subtree lookups, renames."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from helpwire.tickets.models import TAG_SEPARATOR, Tag

# Paths are accepted as "a › b › c", "a > b > c" or "a/b/c".
_SPLIT = re.compile(r"\s*(?:›|>|/)\s*")
MAX_DEPTH = 5


def split_path(path: str) -> list[str]:
    parts = [p.strip() for p in _SPLIT.split(path or "") if p.strip()]
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
