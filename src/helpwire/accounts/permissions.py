"""The one permission check [TM1, CH10]. Views, API endpoints, bulk actions and rules all
ask ``can`` / ``require`` here; nothing else decides who may do what.

This module knows roles. What a role may see of an object is a rule that lives with the
object's app and registers here (``object_rule``) — ticket visibility is in
``tickets.access`` — so accounts never imports the apps above it, and a list filter and a
single-object check always run the same rule.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from helpwire.accounts.models import Agent, Role
from helpwire.core.actors import Actor

# What each role may do. Agents and contractors act only on tickets they can see.
_ROLE_PERMS: dict[str, set[str]] = {
    Role.ADMIN: {
        "ticket.view", "ticket.edit", "ticket.assign", "ticket.create", "ticket.merge",
        "ticket.bulk", "client.view", "client.edit", "client.merge", "settings.manage",
        "view.share", "queue.team", "tag.create", "agent.directory", "mention.outside",
        "mailing.send", "sla.change", "report.view", "rating.exclude",
    },
    Role.SUPERVISOR: {
        "ticket.view", "ticket.edit", "ticket.assign", "ticket.create", "ticket.merge",
        "ticket.bulk", "client.view", "client.edit", "client.merge", "view.share",
        "queue.team", "tag.create", "agent.directory", "mention.outside", "mailing.send",
        "sla.change", "report.view", "rating.exclude",
    },
    Role.AGENT: {
        "ticket.view", "ticket.edit", "ticket.assign", "ticket.create", "ticket.merge",
        "ticket.bulk", "client.view", "client.edit", "queue.team", "agent.directory",
        "mention.outside",
    },
    Role.CONTRACTOR: {"ticket.view", "ticket.edit"},
}

ObjectRule = Callable[[Agent, Any], bool]
_object_rules: dict[type, ObjectRule] = {}


def object_rule(model: type) -> Callable[[ObjectRule], ObjectRule]:
    """Register who may see an object of ``model`` (``rule(agent, obj) -> bool``)."""

    def register(func: ObjectRule) -> ObjectRule:
        _object_rules[model] = func
        return func

    return register


def role_allows(agent: Agent, perm: str) -> bool:
    return agent.is_active and perm in _ROLE_PERMS.get(agent.role, set())


def can(actor: Actor | Agent, perm: str, obj: object | None = None) -> bool:
    agent = actor if isinstance(actor, Agent) else actor.agent
    if agent is None:
        # Clients, rules and the system act through code paths that already decided.
        return True
    if not role_allows(agent, perm):
        return False
    rule = _object_rules.get(type(obj)) if obj is not None else None
    return rule(agent, obj) if rule is not None else True


def require(actor: Actor | Agent, perm: str, obj: object | None = None) -> None:
    if not can(actor, perm, obj):
        raise PermissionDenied(_("You are not allowed to do this."))


def may_see_contacts(agent: Agent) -> bool:
    """Contractors see a ticket's conversation but not the client's emails and phones."""
    return agent.role != Role.CONTRACTOR


def sees_everything(agent: Agent) -> bool:
    """Admins and supervisors see every ticket, group and channel."""
    return agent.is_active and agent.role in (Role.ADMIN, Role.SUPERVISOR)
