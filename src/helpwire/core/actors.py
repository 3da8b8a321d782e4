"""Who did something: an agent, a client, a rule or the system itself [TK10]."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import models
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from helpwire.accounts.models import Agent
    from helpwire.clients.models import Client


class ActorKind(models.TextChoices):
    AGENT = "agent", _("agent")
    CLIENT = "client", _("client")
    RULE = "rule", _("rule")
    SYSTEM = "system", _("system")


# What people read for the system's own actors (history lines, the conversation).
SYSTEM_NAMES = {
    "system": _("system"),
    "reminder": _("reminder"),
    "agent disabled": _("agent disabled"),
    "delivery": _("delivery"),
}


@dataclass(frozen=True)
class Actor:
    kind: ActorKind
    agent: Agent | None = None
    client: Client | None = None
    name: str = ""
    rule_id: int | None = None  # a rule's messages keep it (meta), for the API's author

    @classmethod
    def of_agent(cls, agent: Agent) -> Actor:
        return cls(kind=ActorKind.AGENT, agent=agent, name=agent.name)

    @classmethod
    def of_client(cls, client: Client) -> Actor:
        return cls(kind=ActorKind.CLIENT, client=client, name=client.name)

    @classmethod
    def rule(cls, name: str, rule_id: int | None = None) -> Actor:
        return cls(kind=ActorKind.RULE, name=name, rule_id=rule_id)

    @classmethod
    def system(cls, name: str = "system") -> Actor:
        return cls(kind=ActorKind.SYSTEM, name=name)

    @property
    def is_agent(self) -> bool:
        return self.kind == ActorKind.AGENT

    def columns(self) -> dict[str, object]:
        """The actor as model field values, for history and event rows."""
        return {
            "actor_kind": self.kind,
            "actor_agent": self.agent,
            "actor_client": self.client,
            "actor_name": self.name[:200],
        }


class ActorFields(models.Model):
    """Abstract columns naming an actor; history rows and events both carry them."""

    actor_kind = models.CharField(_("actor kind"), max_length=16, choices=ActorKind.choices)
    actor_agent = models.ForeignKey(
        "accounts.Agent", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("agent"),
    )
    actor_client = models.ForeignKey(
        "clients.Client", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("client"),
    )
    actor_name = models.CharField(_("actor"), max_length=200, blank=True)

    class Meta:
        abstract = True
