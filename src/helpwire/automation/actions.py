"""Writes on rules: create (at the bottom), change, move, delete. One transaction each; the
rule list is renumbered under a lock so two admins reordering at once cannot interleave."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from helpwire.automation.models import Rule


@transaction.atomic
def create_rule(*, values: dict[str, Any]) -> Rule:
    list(Rule.objects.select_for_update().order_by("pk").values_list("pk", flat=True))
    last = Rule.objects.aggregate(m=Max("position"))["m"]
    rule = Rule(**values, position=0 if last is None else last + 1)
    rule.save()
    return rule


@transaction.atomic
def update_rule(*, rule: Rule, values: dict[str, Any]) -> Rule:
    for name, value in values.items():
        setattr(rule, name, value)
    rule.updated_at = timezone.now()
    rule.save()
    return rule


@transaction.atomic
def move_rule(*, rule: Rule, position: int) -> Rule:
    """Put the rule at ``position`` (0 = first) and number the rest around it."""
    ordered = list(Rule.objects.select_for_update().order_by("position", "pk"))
    ordered = [r for r in ordered if r.pk != rule.pk]
    ordered.insert(max(0, min(position, len(ordered))), rule)
    for index, item in enumerate(ordered):
        if item.position != index or item.pk == rule.pk:
            Rule.objects.filter(pk=item.pk).update(position=index, updated_at=timezone.now())
    rule.refresh_from_db()
    return rule


@transaction.atomic
def delete_rule(*, rule: Rule) -> None:
    rule.delete()
