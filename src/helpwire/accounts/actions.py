"""Team verbs: add or disable an agent in one step, issue and revoke API tokens [TM1]."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from helpwire.accounts.models import Agent, ApiToken, Group, Role
from helpwire.core import events
from helpwire.core.actors import Actor


@transaction.atomic
def create_agent(*, email: str, name: str, role: str = Role.AGENT, password: str | None = None,
                 groups: Iterable[Group] = ()) -> Agent:
    email = (email or "").strip().lower()
    validate_email(email)
    if role not in Role.values:
        raise ValidationError(_("Unknown role %(role)s; expected one of: %(roles)s."),
                              code="invalid_role",
                              params={"role": role, "roles": ", ".join(Role.values)})
    if Agent.objects.filter(email=email).exists():
        raise ValidationError(_("An agent with email %(email)s already exists."),
                              code="agent_exists", params={"email": email})
    agent = Agent.objects.create_user(email, password, name=name.strip() or email, role=role)
    groups = list(groups)
    if groups:
        agent.groups.set(groups)
    return agent


@transaction.atomic
def update_agent(*, agent: Agent, actor: Actor, name: str | None = None,
                 role: str | None = None, groups: Iterable[Group] | None = None) -> Agent:
    """Change an agent's name, role or groups; what he may see follows at once (visibility
    is computed from these on every request)."""
    agent = Agent.objects.select_for_update().get(pk=agent.pk)
    changed: dict[str, list[object]] = {}
    if name is not None and name.strip() and name.strip() != agent.name:
        changed["name"] = [agent.name, name.strip()]
        agent.name = name.strip()
    if role is not None and role != agent.role:
        if role not in Role.values:
            raise ValidationError(_("Unknown role %(role)s; expected one of: %(roles)s."),
                                  code="invalid_role",
                                  params={"role": role, "roles": ", ".join(Role.values)})
        changed["role"] = [agent.role, role]
        agent.role = role
    if changed.keys() & {"name", "role"}:
        agent.save(update_fields=sorted(changed.keys() & {"name", "role"}))
    if groups is not None:
        before = sorted(agent.groups.values_list("pk", flat=True))
        after = sorted({g.pk for g in groups})
        if before != after:
            agent.groups.set(after)
            changed["groups"] = [before, after]
    if changed:
        events.emit(events.AGENT_CHANGED, actor=actor, agent_id=agent.pk, changes=changed)
    return agent


@transaction.atomic
def disable_agent(*, agent: Agent, actor: Actor | None = None) -> Agent:
    """Off in one step: no login, no API tokens; his open tickets go back to the queue (the
    tickets app does that in its hook on ``agent.disabled``, with history and counts)."""
    agent = Agent.objects.select_for_update().get(pk=agent.pk)
    if not agent.is_active:
        return agent
    agent.is_active = False
    agent.save(update_fields=["is_active"])
    ApiToken.objects.filter(agent=agent, revoked_at__isnull=True).update(revoked_at=timezone.now())
    events.emit(events.AGENT_DISABLED, actor=actor or Actor.system("agent disabled"),
                agent_id=agent.pk)
    return agent


@transaction.atomic
def enable_agent(*, agent: Agent, actor: Actor) -> Agent:
    agent = Agent.objects.select_for_update().get(pk=agent.pk)
    if not agent.is_active:
        agent.is_active = True
        agent.save(update_fields=["is_active"])
        events.emit(events.AGENT_CHANGED, actor=actor, agent_id=agent.pk,
                    changes={"is_active": [False, True]})
    return agent


@transaction.atomic
def delete_group(*, group: Group, actor: Actor) -> None:
    """Delete a group; its tickets leave it first (tickets' hook on ``group.deleted``)."""
    group = Group.objects.select_for_update().get(pk=group.pk)
    events.emit(events.GROUP_DELETED, actor=actor, group_id=group.pk, name=group.name)
    group.delete()


def issue_token(*, agent: Agent, name: str = "") -> str:
    if not agent.is_active:
        raise ValidationError(_("This agent is disabled."), code="agent_disabled")
    _token, raw = ApiToken.issue(agent=agent, name=name)
    return raw


def revoke_token(*, token: ApiToken) -> None:
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
