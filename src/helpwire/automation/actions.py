"""Writes on rules: create (at the bottom), change, move, delete. One transaction each; the
rule list is renumbered under a lock so two admins reordering at once cannot interleave."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from helpwire.automation import engine, timed
from helpwire.automation.models import ReplyTemplate, Rule, RuleMode
from helpwire.mail import crypto
from helpwire.tickets import tags as tag_tree

# Active signing secrets a rule keeps: the newest and the one before it, so a receiver can
# switch to a new secret while requests signed with both arrive [AU8].
ACTIVE_SECRETS = 2


def _take_secrets(rule: Rule, values: dict[str, Any]) -> None:
    """Secrets sent with http_request actions go to the rule's encrypted, write-only list;
    the stored action keeps none."""
    actions = []
    for action in values.get("actions", rule.actions):
        if action.get("type") == "http_request" and "secret" in action:
            action = dict(action)
            plain = action.pop("secret")
            known = [crypto.decrypt(s["value"]) for s in rule.secrets]
            if plain not in known:
                rule.secrets = [*rule.secrets, {"value": crypto.encrypt(plain),
                                                "added_at": timezone.now().isoformat()}
                                ][-ACTIVE_SECRETS:]
        actions.append(action)
    if "actions" in values:
        values["actions"] = actions


@transaction.atomic
def create_rule(*, values: dict[str, Any]) -> Rule:
    list(Rule.objects.select_for_update().order_by("pk").values_list("pk", flat=True))
    last = Rule.objects.aggregate(m=Max("position"))["m"]
    rule = Rule(position=0 if last is None else last + 1)
    _take_secrets(rule, values)
    for name, value in values.items():
        setattr(rule, name, value)
    rule.save()
    engine.rules_changed()
    _seed_later(rule, was_timed=False)
    return rule


def _seed_later(rule: Rule, *, was_timed: bool) -> None:
    """A time rule's timers are laid (or its old ones cleared) by a task after commit."""
    if rule.mode == RuleMode.TIME or was_timed:
        pk = rule.pk
        transaction.on_commit(lambda: timed.seed.enqueue(pk))


@transaction.atomic
def update_rule(*, rule: Rule, values: dict[str, Any]) -> Rule:
    was_timed = rule.mode == RuleMode.TIME
    _take_secrets(rule, values)
    for name, value in values.items():
        setattr(rule, name, value)
    rule.updated_at = timezone.now()
    rule.save()
    engine.rules_changed()
    _seed_later(rule, was_timed=was_timed)
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
    engine.rules_changed()
    rule.refresh_from_db()
    return rule


@transaction.atomic
def delete_rule(*, rule: Rule) -> None:
    rule.delete()
    engine.rules_changed()


@transaction.atomic
def save_template(*, template: ReplyTemplate, values: dict[str, Any]) -> ReplyTemplate:
    """Save checked values (``template_inputs.clean``). Tags its actions add are made now,
    by the admin saving it, so an agent sending it later needs no right to grow the tree."""
    for item in values.get("actions", []):
        if item.get("type") == "add_tags":
            for path in item["tags"]:
                tag_tree.ensure(path)
    for name, value in values.items():
        setattr(template, name, value)
    template.save()
    return template


class TemplateInUse(Exception):
    def __init__(self, rules: list[str]) -> None:
        super().__init__(", ".join(rules))
        self.rules = rules


@transaction.atomic
def delete_template(*, template: ReplyTemplate) -> None:
    """Refused while a rule replies with it: the rule would go quiet without a word."""
    users = sorted(r.name for r in Rule.objects.all()
                   if any(a.get("type") == "reply_template"
                          and a.get("template_id") == template.pk for a in r.actions))
    if users:
        raise TemplateInUse(users)
    template.delete()
