"""Client verbs: identify, create, change identities, merge [CL1 CL2 CL5 CL6 CL7]."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from helpwire.accounts import permissions
from helpwire.accounts.models import Agent
from helpwire.clients.identities import email_domain, normalize
from helpwire.clients.models import Client, Company, CompanyDomain, Identity, IdentityKind
from helpwire.core import events
from helpwire.core.actors import Actor

# Order matters when one message names identities of two different cards: the first
# match wins (an email is a stronger sign of a person than a shared office phone).
IDENTITY_PRIORITY: list[str] = [IdentityKind.EMAIL, IdentityKind.PHONE, IdentityKind.TELEGRAM,
                     IdentityKind.VK, IdentityKind.WHATSAPP, IdentityKind.WIDGET,
                     IdentityKind.EXTERNAL]


def identity_pairs(*, email: str = "", phone: str = "", handles: dict[str, str] | None = None,
                   strict: bool = True) -> tuple[list[tuple[str, str]], list[str]]:
    """Normalised (kind, value) pairs; with ``strict=False`` bad values are returned as
    readable problems instead of raising, so a message is never lost over a typo."""
    raw = [(IdentityKind.EMAIL, email), (IdentityKind.PHONE, phone), *(handles or {}).items()]
    pairs: list[tuple[str, str]] = []
    problems: list[str] = []
    for kind, value in raw:
        if not value:
            continue
        try:
            pairs.append((str(kind), normalize(kind, value)))
        except ValidationError as exc:
            if strict:
                raise
            problems.append("; ".join(exc.messages))
    pairs.sort(key=lambda p: IDENTITY_PRIORITY.index(p[0]) if p[0] in IDENTITY_PRIORITY else 99)
    return pairs, problems


def find_by_identities(pairs: Iterable[tuple[str, str]]) -> Client | None:
    pairs = list(pairs)
    if not pairs:
        return None
    q = Q()
    for kind, value in pairs:
        q |= Q(kind=kind, value=value)
    found = {(i.kind, i.value): i.client for i in Identity.objects.filter(q).select_related(
        "client")}
    for pair in pairs:
        if pair in found:
            return live(found[pair])
    return None


def live(client: Client) -> Client:
    """Follow merge links to the card that is still in use."""
    seen = set()
    while client.merged_into_id and client.pk not in seen:
        seen.add(client.pk)
        client = Client.objects.get(pk=client.merged_into_id)
    return client


def hold(client: Client) -> Client:
    """The live card, held against a concurrent merge until the caller's transaction ends.

    Intake attaches tickets to the card it identified; a merge committing in between would
    leave the new ticket on the merged-away card. On PostgreSQL ``FOR KEY SHARE`` lets any
    number of messages of one client in at once but waits for (and then sees) a merge,
    which locks both cards ``FOR UPDATE``. SQLite runs one writer at a time anyway."""
    seen: set[int] = set()
    while client.pk not in seen:
        seen.add(client.pk)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT merged_into_id FROM clients_client WHERE id = %s "
                               "FOR KEY SHARE", [client.pk])
                row = cursor.fetchone()
            merged_into = row[0] if row else None
        else:
            merged_into = client.merged_into_id
        if not merged_into:
            return client
        client = Client.objects.get(pk=merged_into)
    return client


def _attach(client: Client, pairs: Iterable[tuple[str, str]]) -> list[Identity]:
    """Add identities that nobody owns yet; ones owned by another card are left alone."""
    added = []
    for kind, value in pairs:
        try:
            with transaction.atomic():
                identity, created = Identity.objects.get_or_create(
                    kind=kind, value=value, defaults={"client": client})
        except IntegrityError:
            continue
        if created:
            added.append(identity)
    return added


def _new_card(*, actor: Actor, name: str, pairs: list[tuple[str, str]]) -> Client:
    company = _company_for(pairs)
    fallback = next((v for _k, v in pairs), "")
    client = Client.objects.create(name=(name or fallback).strip()[:200], company=company,
                                   is_internal=bool(company and company.is_internal),
                                   created_by=actor.agent)
    if pairs:  # the strongest identity decides who owns the card: a conflict is a race lost
        kind, value = pairs[0]
        Identity.objects.create(client=client, kind=kind, value=value)
        _attach(client, pairs[1:])
    return client


def _company_for(pairs: Iterable[tuple[str, str]]) -> Company | None:
    domains = [email_domain(v) for k, v in pairs if k == IdentityKind.EMAIL]
    if not domains:
        return None
    hit = CompanyDomain.objects.select_related("company").filter(domain__in=domains).first()
    return hit.company if hit else None


@transaction.atomic
def create_client(*, actor: Actor, name: str = "", email: str = "", phone: str = "",
                  handles: dict[str, str] | None = None, company: Company | None = None,
                  is_internal: bool | None = None, responsible: Agent | None = None,
                  pairs: list[tuple[str, str]] | None = None) -> Client:
    permissions.require(actor, "client.edit")
    if responsible is not None and not responsible.is_active:
        raise ValidationError(_("This agent is disabled."), code="invalid_responsible")
    if pairs is None:
        pairs, _problems = identity_pairs(email=email, phone=phone, handles=handles)
    taken = find_by_identities(pairs)
    if taken is not None:
        raise ValidationError(_("These contacts already belong to client %(client)s."),
                              code="identity_taken", params={"client": str(taken)})
    company = company or _company_for(pairs)
    if is_internal is None:
        is_internal = bool(company and company.is_internal)
    fallback = next((v for _k, v in pairs), "")
    client = Client.objects.create(name=(name or fallback).strip()[:200], company=company,
                                   is_internal=is_internal, responsible=responsible,
                                   created_by=actor.agent)
    _attach(client, pairs)
    return client


def identify_or_create(*, actor: Actor, name: str, pairs: list[tuple[str, str]]) -> Client:
    """The card these identities lead to, learning any new ones; or a new card [CL2].

    Two first messages from one new address at once: both try to create a card, the
    identity's unique key makes the second wait for the first and fail, and the second
    then takes the first's card — one address, one card."""
    client = find_by_identities(pairs)
    if client is None:
        try:
            with transaction.atomic():
                return _new_card(actor=actor, name=name, pairs=pairs)
        except IntegrityError:
            client = find_by_identities(pairs)
            if client is None:
                raise
    client = hold(client)
    _attach(client, pairs)
    if not client.name and name:
        client.name = name[:200]
        client.save(update_fields=["name"])
    return client


@transaction.atomic
def add_identity(*, client: Client, kind: str, value: str, actor: Actor) -> Identity:
    permissions.require(actor, "client.edit")
    value = normalize(kind, value)
    owner = Identity.objects.filter(kind=kind, value=value).select_related("client").first()
    if owner is not None:
        if owner.client_id == client.pk:
            return owner
        raise ValidationError(_("%(value)s already belongs to client %(client)s."),
                              code="identity_taken",
                              params={"value": value, "client": str(owner.client)})
    return Identity.objects.create(client=client, kind=kind, value=value)


@transaction.atomic
def remove_identity(*, identity: Identity, actor: Actor) -> None:
    permissions.require(actor, "client.edit")
    identity.delete()


_UNSET: object = object()


@transaction.atomic
def update_client(*, client: Client, actor: Actor, name: object = _UNSET,
                  company: object = _UNSET, is_internal: object = _UNSET,
                  responsible: object = _UNSET, note: object = _UNSET) -> Client:
    permissions.require(actor, "client.edit")
    changed = []
    for attr, value in (("name", name), ("company", company), ("is_internal", is_internal),
                        ("responsible", responsible), ("note", note)):
        if value is _UNSET:
            continue
        if attr == "responsible" and value is not None and not value.is_active:  # type: ignore[attr-defined]
            raise ValidationError(_("This agent is disabled."), code="invalid_responsible")
        setattr(client, attr, value)
        changed.append(attr)
    if changed:
        client.updated_at = timezone.now()
        client.save(update_fields=[*changed, "updated_at"])
        events.emit(events.CLIENT_CHANGED, actor=actor, client_id=client.pk, fields=changed)
    return client


@transaction.atomic
def merge_clients(*, source: Client, target: Client, actor: Actor) -> Client:
    """Fold a duplicate card into another: every identity moves here, and every ticket
    moves in the tickets app's hook on ``client.merged`` (each with its own history line
    and event) [CL7]. Both cards are locked (ascending id) and re-read, so two merges at once
    cannot make a cycle and a message arriving meanwhile waits, then lands on the target."""
    permissions.require(actor, "client.merge")
    while True:
        source, target = live(source), live(target)
        if source.pk == target.pk:
            raise ValidationError(_("Choose two different clients to merge."),
                                  code="invalid_merge")
        locked = {c.pk: c for c in Client.objects.select_for_update()
                  .filter(pk__in=sorted({source.pk, target.pk})).order_by("pk")}
        source, target = locked[source.pk], locked[target.pk]
        if source.merged_into_id is None and target.merged_into_id is None:
            break  # held: no other merge can touch either card until we commit
    now = timezone.now()
    Identity.objects.filter(client=source).update(client=target)
    fill: dict[str, object] = {}
    if target.company is None and source.company is not None:
        fill["company"] = source.company
    if (target.responsible is None and source.responsible is not None
            and source.responsible.is_active):
        fill["responsible"] = source.responsible
    if not target.name and source.name:
        fill["name"] = source.name
    if source.is_internal and not target.is_internal:
        fill["is_internal"] = True
    for attr, value in fill.items():
        setattr(target, attr, value)
    target.updated_at = now
    target.save(update_fields=[*fill, "updated_at"])
    source.merged_into = target
    source.updated_at = now
    source.save(update_fields=["merged_into", "updated_at"])
    events.emit(events.CLIENT_MERGED, actor=actor, source_id=source.pk, target_id=target.pk,
                source_name=str(source), target_name=str(target))
    return target
