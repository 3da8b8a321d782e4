"""One validation for reply templates [TK7], shared by the settings screen and
``/api/v1/templates``: a title, a text using only the renderer's variables, a section
path in the templates tree ("Финансы › Возвраты"), and the actions sending it also does."""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from helpwire.automation.rule_inputs import action as rule_action
from helpwire.conversations.rendering import NAMES
from helpwire.tickets import tags as tag_tree
from helpwire.tickets.models import TAG_SEPARATOR

_BRACES = re.compile(r"\{\{\s*(.*?)\s*\}\}")
# What a template may do when an agent sends it: the ticket's own attributes, nothing that
# sends or routes (the agent is right there).
ACTION_TYPES = ("add_tags", "remove_tags", "set_status", "set_priority", "set_type")


def actions(items: Any) -> list[dict[str, Any]]:
    if not isinstance(items, list) or len(items) > 10:
        raise ValidationError(_("Actions are a list of at most 10."), code="invalid_actions")
    out = []
    for i, item in enumerate(items):
        if not isinstance(item, dict) or item.get("type") not in ACTION_TYPES:
            raise ValidationError(_("actions[%(i)s]: a template may add or remove tags and set "
                                    "the status, priority or type.") % {"i": i},
                                  code="invalid_actions")
        out.append(rule_action(item, f"actions[{i}]"))
    return out


def section(text: str) -> str:
    return TAG_SEPARATOR.join(tag_tree.split_path(text)) if (text or "").strip() else ""


def body(text: str) -> str:
    if not (text or "").strip():
        raise ValidationError(_("The template needs a text."), code="required")
    unknown = sorted({m for m in _BRACES.findall(text) if m not in NAMES})
    if unknown:
        raise ValidationError(
            _("Unknown variables: %(names)s. Use only the ones listed on this page."),
            code="unknown_variable",
            params={"names": ", ".join("{{%s}}" % n for n in unknown)})  # noqa: UP031
    return text


def clean(*, title: str, body_text: str, section_path: str = "",
          is_active: bool = True, actions_list: list[Any] | None = None) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    out: dict[str, Any] = {"title": (title or "").strip()[:200], "is_active": bool(is_active),
                           "section": "", "body": "", "actions": []}
    try:
        out["actions"] = actions(actions_list or [])
    except ValidationError as e:
        errors["actions"] = e.messages
    if not out["title"]:
        errors["title"] = [_("A template needs a title.")]
    try:
        out["body"] = body(body_text)
    except ValidationError as e:
        errors["body"] = e.messages
    try:
        out["section"] = section(section_path)[:300]
    except ValidationError as e:
        errors["section"] = e.messages
    if errors:
        raise ValidationError(errors)
    return out
