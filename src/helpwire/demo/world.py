"""What the demo ticket generator knows about the demo's team, channels, tags, fields and
clients: plain values read from the database once, so planning a ticket runs no query."""

from __future__ import annotations

from dataclasses import dataclass, field

from helpwire.accounts.models import Group, Role
from helpwire.clients.models import Client, IdentityKind
from helpwire.connectors.models import Channel
from helpwire.demo import content as c
from helpwire.demo.scenarios import BUSINESS, INTERNAL, PERSON
from helpwire.tickets.models import CustomField, Tag

SPAM_AUDIENCE = "spam"
# Who writes how often: private clients, colleagues, shops, spammers.
AUDIENCES = {PERSON: 80, INTERNAL: 10, BUSINESS: 8, SPAM_AUDIENCE: 2}
# Where each identity kind lets a client write from.
REACH: dict[str, tuple[str, ...]] = {
    IdentityKind.EMAIL.value: ("email", "widget", "api"),
    IdentityKind.PHONE.value: ("phone", "manual"),
    IdentityKind.TELEGRAM.value: ("telegram",),
}


@dataclass(frozen=True)
class AgentRef:
    id: int
    name: str
    role: str
    first: str


@dataclass(frozen=True)
class ClientRef:
    id: int
    name: str
    first: str
    audience: str
    responsible_id: int | None
    kinds: tuple[str, ...]  # channel kinds he can write from, each repeated by its weight


def agent_ref(pk: int, name: str, role: str) -> AgentRef:
    return AgentRef(pk, name, role, name.split()[0] if name else "")


def client_ref(pk: int, name: str, audience: str, responsible_id: int | None,
               identity_kinds: set[str], channels: dict[str, int]) -> ClientRef:
    return ClientRef(pk, name, name.split()[0] if name else "", audience, responsible_id,
                     reachable(identity_kinds, audience, channels))


@dataclass
class World:
    """Everything the generator needs from the database."""

    agents: dict[int, AgentRef]
    members: dict[str, tuple[list[AgentRef], list[int]]]  # group name → agents, weights
    group_ids: dict[str, int]
    supervisor: AgentRef
    channels: dict[str, int]  # kind → channel id
    tag_ids: dict[str, int]
    fields: dict[str, tuple[int, frozenset[int]]]  # key → (id, channel ids or empty)
    clients: dict[str, list[ClientRef]] = field(default_factory=dict)

    @classmethod
    def load(cls) -> World:
        weights = {a.name: a.weight for a in c.AGENTS}
        agents: dict[int, AgentRef] = {}
        members: dict[str, tuple[list[AgentRef], list[int]]] = {}
        groups = Group.objects.filter(name__in=list(c.GROUPS)).prefetch_related("agents")
        for group in groups:
            refs = [agent_ref(a.pk, a.name, a.role) for a in group.agents.all() if a.is_active]
            agents.update((r.id, r) for r in refs)
            members[group.name] = (refs, [weights.get(r.name, 5) for r in refs])
        supervisor = next((a for a in agents.values() if a.role == Role.SUPERVISOR),
                          next(iter(agents.values())))
        names = {name: kind for kind, name, _g in c.CHANNELS}
        channels = {names[ch.name]: ch.pk for ch in Channel.objects.filter(name__in=list(names))}
        channels["api"] = Channel.builtin("api").pk
        channels["manual"] = Channel.builtin("manual").pk
        world = cls(
            agents=agents, members=members, supervisor=supervisor, channels=channels,
            group_ids={g.name: g.pk for g in groups},
            tag_ids=dict(Tag.objects.filter(path__in=c.TAG_PATHS).values_list("path", "pk")),
            fields={f.key: (f.pk, frozenset(ch.pk for ch in f.channels.all()))
                    for f in CustomField.objects.filter(is_active=True)
                    .prefetch_related("channels")},
        )
        world.clients = _load_clients(channels)
        return world


def _load_clients(channels: dict[str, int], limit: int = 5000) -> dict[str, list[ClientRef]]:
    """The demo's own client cards (the first ones), sorted by who they are."""
    spam = {email for _n, email in c.SPAM_SENDERS}
    rows = (Client.objects.filter(merged_into__isnull=True).select_related("company")
            .prefetch_related("identities").order_by("pk")[:limit])
    out: dict[str, list[ClientRef]] = {a: [] for a in AUDIENCES}
    for client in rows:
        ids = {(i.kind, i.value) for i in client.identities.all()}
        if any(v in spam for _k, v in ids):
            audience = SPAM_AUDIENCE
        elif client.company and client.company.is_internal:
            audience = INTERNAL
        elif client.company:
            audience = BUSINESS
        else:
            audience = PERSON
        out[audience].append(client_ref(client.pk, client.name, audience,
                                        client.responsible_id, {k for k, _v in ids}, channels))
    return out


_REACHABLE: dict[tuple[frozenset[str], str, frozenset[str]], tuple[str, ...]] = {}


def reachable(identity_kinds: set[str], audience: str, channels: dict[str, int]
              ) -> tuple[str, ...]:
    """Channel kinds a client can write from, each repeated by its weight (shared tuples:
    a million clients reach the channels in only a handful of ways)."""
    key = (frozenset(identity_kinds), audience, frozenset(channels))
    if key not in _REACHABLE:
        kinds = {"widget"} if audience == PERSON else set()
        for kind in identity_kinds:
            kinds.update(REACH.get(kind, ()))
        if audience == SPAM_AUDIENCE:
            kinds = {"email"}
        elif audience == INTERNAL:
            kinds &= {"email", "telegram"}
        kinds = {k for k in kinds if k in channels} or {"api"}
        _REACHABLE[key] = tuple(k for k in sorted(kinds) for _i in range(c.CHANNEL_WEIGHTS[k]))
    return _REACHABLE[key]
