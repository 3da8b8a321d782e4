"""Team verbs: add or disable an agent in one step, issue and revoke API tokens [TM1]."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from helpwire.accounts.models import Agent, ApiToken, Group, Role


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
def disable_agent(*, agent: Agent) -> Agent:
    """Off in one step: no login, no API tokens, his open tickets go back to the queue."""
    from helpwire.core.actors import Actor
    from helpwire.tickets.actions import update_ticket
    from helpwire.tickets.models import Status, Ticket

    agent.is_active = False
    agent.save(update_fields=["is_active"])
    ApiToken.objects.filter(agent=agent, revoked_at__isnull=True).update(revoked_at=timezone.now())
    # Through the action, so each ticket's history, event and queue counts follow.
    actor = Actor.system("agent disabled")
    for ticket in Ticket.objects.filter(assignee=agent).exclude(
            status__in=[Status.CLOSED, Status.MERGED, Status.SPAM]):
        update_ticket(ticket=ticket, actor=actor, assignee=None)
    return agent


def issue_token(*, agent: Agent, name: str = "") -> str:
    if not agent.is_active:
        raise ValidationError(_("This agent is disabled."), code="agent_disabled")
    _token, raw = ApiToken.issue(agent=agent, name=name)
    return raw


def revoke_token(*, token: ApiToken) -> None:
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
