"""An agent's reply made from templates [TK7]: the message, then what the templates carry
(tags, status, priority, type) — in one transaction, as the agent, with his permissions. A
status the agent picked himself for this reply wins over a template's."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from helpwire.automation.models import ReplyTemplate
from helpwire.conversations import reply
from helpwire.core.actors import Actor
from helpwire.tickets.actions import update_ticket
from helpwire.tickets.models import Message, Ticket

SETTERS = {"set_status": "status", "set_priority": "priority", "set_type": "type"}


def template_changes(templates: list[ReplyTemplate]) -> dict[str, Any]:
    """``update_ticket`` keywords for the templates' actions, in the order they were used."""
    add: list[str] = []
    remove: list[str] = []
    out: dict[str, Any] = {}
    for template in templates:
        for action in template.actions or []:
            kind = action.get("type")
            if kind in SETTERS:
                out[SETTERS[kind]] = action["value"]
            elif kind in ("add_tags", "remove_tags"):
                keep, drop = (add, remove) if kind == "add_tags" else (remove, add)
                keep += [t for t in action["tags"] if t not in keep]
                drop[:] = [t for t in drop if t not in action["tags"]]
    if add:
        out["add_tags"] = add
    if remove:
        out["remove_tags"] = remove
    return out


@transaction.atomic
def reply_with_templates(*, ticket: Ticket, actor: Actor, template_ids: list[int],
                         **reply_values: Any) -> Message:
    message = reply(ticket=ticket, actor=actor, **reply_values)
    by_id = {t.pk: t for t in ReplyTemplate.objects.filter(pk__in=template_ids)}
    changes = template_changes([by_id[pk] for pk in dict.fromkeys(template_ids) if pk in by_id])
    if reply_values.get("status"):
        changes.pop("status", None)
    if changes:
        update_ticket(ticket=ticket, actor=actor, **changes)
    return message
