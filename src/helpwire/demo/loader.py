"""The demo fixture loader: a Russian-speaking support team with its clients and two
months of tickets, for trying Helpwire out and for load tests.

This is a documented fixture loader. It writes the same rows the actions would (agents,
groups, channels, the tag tree, custom fields, client cards with their identities, tickets
with messages, history, field values and tags) but with ``bulk_create`` for speed, and
without events. It is the only place allowed to bypass the actions; everything else in
Helpwire changes data through ``*.actions``, ``conversations.ingest`` and
``conversations.reply``.

Because no events are written, ``helpwire demo`` rebuilds afterwards what event hooks keep
up to date (the queue counters; the search index after the base load).

Loading is idempotent: the base data is written once, in one transaction, and a later run
finds it (by its email channel) and adds nothing.
"""

from __future__ import annotations

import random
import re
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from helpwire.accounts.models import Agent, Group, Role
from helpwire.automation import actions as rule_actions
from helpwire.automation import rule_inputs
from helpwire.automation.models import ReplyTemplate, Rule
from helpwire.calendars import actions as calendar_actions
from helpwire.calendars import inputs
from helpwire.calendars.models import Calendar
from helpwire.calendars.schedule import WEEKDAYS
from helpwire.clients.models import (
    Client,
    Company,
    CompanyDomain,
    Identity,
    IdentityKind,
    fold,
)
from helpwire.connectors.models import Channel
from helpwire.demo import content as c
from helpwire.demo.bulk import Generator
from helpwire.demo.world import World
from helpwire.mail.models import Mailbox
from helpwire.sla import actions as sla_actions
from helpwire.sla import inputs as sla_inputs
from helpwire.sla.models import SlaPolicy
from helpwire.tickets import tags
from helpwire.tickets.models import CustomField
from helpwire.workspace.models import SavedView

BASE_TICKETS = 2000
BASE_DAYS = 60
DEFAULT_SEED = 2025
LOGIN_FILE = "demo-login.txt"
_PASSWORD = re.compile(r"with password (\S+)")
EMAIL, PHONE, TELEGRAM = (IdentityKind.EMAIL.value, IdentityKind.PHONE.value,
                          IdentityKind.TELEGRAM.value)


def is_loaded() -> bool:
    return Channel.objects.filter(name=c.MARKER_CHANNEL).exists()


def load_base(*, seed: int = DEFAULT_SEED, tickets: int = BASE_TICKETS,
              now: datetime | None = None) -> bool:
    """Write the demo team, channels, tags, fields, clients and tickets; False (and no
    writes) when they are already there."""
    if is_loaded():
        return False
    rng = random.Random(seed)
    now = now or timezone.now()
    with transaction.atomic():
        if is_loaded():  # someone else finished first
            return False
        groups = _groups()
        _calendars(groups)
        agents = _agents(groups)
        channels = _channels(groups)
        for path in c.TAG_PATHS:
            tags.ensure(path)
        _fields(channels)
        _templates_and_views()
        _manual_rule()
        _clients(rng=rng, agents=agents, now=now)
        generator = Generator(world=World.load(), rng=rng, now=now, days=BASE_DAYS,
                              recent=0.08)
        generator.run(count=tickets, batch_size=max(tickets, 1))
        _sla(groups)
    return True


def _sla(groups: dict[str, Group]) -> None:
    """Mobifitness's levels [SL1]: support answers within an hour (its own 8–22 days),
    implementation within four office hours, claims within a working day; then clocks for
    the tickets the generator wrote in bulk."""
    if SlaPolicy.objects.exists():
        return
    for group, name, first, resolution in (
            (c.SUPPORT, "Поддержка: ответ за 1 ч", 60, 8 * 60),
            (c.ONBOARDING, "Внедрение: ответ за 4 ч", 4 * 60, 3 * 8 * 60),
            (c.CLAIMS, "Претензии: ответ за рабочий день", 8 * 60, 5 * 8 * 60)):
        calendar = groups[group].calendar or Calendar.objects.filter(is_default=True).first()
        targets = {"medium": {"first_response": first * 60, "next_response": first * 120,
                              "resolution": resolution * 60},
                   "urgent": {"first_response": first * 15, "resolution": resolution * 30}}
        policy = sla_actions.save_policy(policy=None, values=sla_inputs.clean(
            name=name, calendar_id=calendar.pk if calendar else None, targets_value=targets,
            warning_seconds=15 * 60, pause_on=["pending", "on_hold"], notes_count=False),
            is_default=group == c.SUPPORT)
        sla_actions.set_group_policy(group=groups[group], policy=policy)
    sla_actions.start_existing()


def _groups() -> dict[str, Group]:
    return {
        name: Group.objects.get_or_create(name=name, defaults={"description": about})[0]
        for name, about in c.GROUPS.items()
    }


def _calendars(groups: dict[str, Group]) -> None:
    """The company's weekday office hours by the Russian production calendar, and a
    first line that answers every day, 08:00–22:00 [TM2]."""
    if Calendar.objects.exists():
        return
    weekdays = [["09:00", "13:00"], ["14:00", "18:00"]]
    office = inputs.clean(name="Офис, будни 9–18", time_zone="Europe/Moscow", holidays="RU",
                          week={d: weekdays for d in ("mon", "tue", "wed", "thu", "fri")},
                          rotation=None, days=[])
    calendar_actions.save_calendar(values=office, is_default=True)
    daily = inputs.clean(name="Поддержка, ежедневно 8–22", time_zone="Europe/Moscow",
                         holidays=None, week={d: [["08:00", "22:00"]] for d in WEEKDAYS},
                         rotation=None, days=[])
    support = groups[c.SUPPORT]
    support.calendar = calendar_actions.save_calendar(values=daily, is_default=False)
    support.save(update_fields=["calendar"])


def _agents(groups: dict[str, Group]) -> dict[str, Agent]:
    """The six demo agents; passwords are set by ``ensure_login``."""
    agents = {}
    for spec in c.AGENTS:
        agent = Agent.objects.filter(email=spec.email).first()
        if agent is None:
            agent = Agent.objects.create_user(spec.email, None, name=spec.name, role=spec.role)
        agent.groups.add(*(groups[g] for g in spec.groups))
        agents[spec.email] = agent
    return agents


def _channels(groups: dict[str, Group]) -> dict[str, Channel]:
    channels = {"API": Channel.builtin("api"), "Manual": Channel.builtin("manual")}
    for kind, name, group in c.CHANNELS:
        channels[name] = Channel.objects.get_or_create(
            name=name, defaults={"kind": kind, "default_group": groups[group]})[0]
    # The demo mailbox is fed only by `helpwire mail deliver` (no IMAP, no SMTP: replies to
    # it show as failed with the reason until an admin enters an SMTP server).
    mail_channel = channels[c.MARKER_CHANNEL]
    if not Mailbox.objects.filter(channel=mail_channel).exists():
        mail_channel.config = {"address": c.DEMO_MAILBOX}
        mail_channel.save(update_fields=["config"])
        Mailbox.objects.create(channel=mail_channel, address=c.DEMO_MAILBOX)
    return channels


def _fields(channels: dict[str, Channel]) -> None:
    for spec in c.FIELDS:
        field, created = CustomField.objects.get_or_create(key=spec.key, defaults={
            "label": spec.label, "kind": spec.kind, "options": spec.options,
            "required": spec.required, "position": spec.position,
        })
        if created and spec.channels:
            field.channels.set([channels[name] for name in spec.channels])


# Canned replies by topic [TK7] and two shared saved filters [TK8].
TEMPLATES = [
    ("Доставка › Сроки", "Посылка задерживается",
     "{{client.name}}, добрый день!\n\nПроверили ваш заказ: посылка в пути, задержка на "
     "сортировке. Ожидаемый срок доставки — 3–5 рабочих дней. Номер обращения — "
     "{{ticket.number}}, если понадобится, назовите его.\n\n{{agent.name}}, служба поддержки"),
    ("Доставка › Таможня", "Нужны документы для таможни",
     "{{client.name}}, здравствуйте!\n\nДля выпуска посылки таможне нужны паспортные данные "
     "и ссылка на оплату заказа. Пришлите их ответом на это письмо.\n\n{{agent.name}}"),
    ("Финансы › Возвраты", "Возврат оформлен",
     "{{client.name}}, возврат оформлен. Деньги придут на карту в течение 10 рабочих дней. "
     "Обращение {{ticket.number}} закроем, как только они поступят.\n\n{{agent.name}}"),
    ("Финансы › Оплата", "Как оплатить пошлину",
     "{{client.name}}, пошлину можно оплатить в личном кабинете в разделе «Мои посылки» "
     "картой или по СБП.\n\n{{agent.name}}"),
    ("Общее", "Уточнить номер заказа",
     "{{client.name}}, подскажите, пожалуйста, номер заказа — так мы быстрее найдём "
     "посылку.\n\n{{agent.name}}"),
]
SAVED_VIEWS = [
    ("Срочные и экстренные", {"priority": ["urgent", "extreme"], "status": ["new", "open"]}),
    ("Претензии в работе", {"tag": "Претензии", "status": ["new", "open", "on_hold"]}),
]


def _templates_and_views() -> None:
    for section, title, body in TEMPLATES:
        ReplyTemplate.objects.get_or_create(section=section, title=title,
                                            defaults={"body": body})
    for name, filters in SAVED_VIEWS:
        SavedView.objects.get_or_create(name=name, owner=None, defaults={"filters": filters})


OUTAGE_TAG = "Инциденты › Сбой оплаты 12.03"


def _manual_rule() -> None:
    """Boxberry's flow [AU6]: everyone tagged with the outage gets the notice, the tag goes."""
    tags.ensure(OUTAGE_TAG)
    template, _new = ReplyTemplate.objects.get_or_create(
        section="Инциденты", title="Сбой устранён", defaults={"body": (
            "Здравствуйте, {{client.first_name}}!\n\nСбой с оплатой устранён, всё работает. "
            "Спасибо за терпение (обращение №{{ticket.number}}).")})
    if Rule.objects.filter(name="Сбой устранён: сообщить и снять тег").exists():
        return
    rule_actions.create_rule(values=rule_inputs.clean(
        name="Сбой устранён: сообщить и снять тег", enabled=True, mode="manual", events=[],
        conditions={"all": [{"field": "tag", "op": "is", "value": OUTAGE_TAG}]},
        actions=[{"type": "reply_template", "template_id": template.pk},
                 {"type": "remove_tags", "tags": [OUTAGE_TAG]}], stop=False))


class _Identities:
    """Unique identity values for the demo's client cards."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.taken: set[tuple[str, str]] = set(Identity.objects.values_list("kind", "value"))

    def add(self, kind: str, make: Callable[[], str] | str) -> str | None:
        """A value nobody has yet (``make`` is called until one is free), or None."""
        for _attempt in range(20):
            value = make() if callable(make) else make
            if (kind, value) not in self.taken:
                self.taken.add((kind, value))
                return value
        return None

    def email(self, local: str, domain: str) -> str | None:
        rng = self.rng
        return self.add(EMAIL, lambda: local + (
            "" if rng.random() < 0.4 else str(rng.randint(1, 2025))) + "@" + domain)

    def phone(self) -> str | None:
        return self.add(PHONE,
                        lambda: f"+7{self.rng.randrange(9_100_000_000, 10_000_000_000)}")

    def telegram(self) -> str | None:
        return self.add(TELEGRAM,
                        lambda: str(self.rng.randrange(100_000_000, 1_000_000_000)))


def _person(rng: random.Random) -> tuple[str, str]:
    if rng.random() < 0.5:
        return rng.choice(c.MALE_NAMES), rng.choice(c.SURNAMES)
    return rng.choice(c.FEMALE_NAMES), c.feminine(rng.choice(c.SURNAMES))


def _clients(*, rng: random.Random, agents: dict[str, Agent], now: datetime) -> None:
    """About 300 client cards: private clients, business clients, colleagues, spammers."""
    ids = _Identities(rng)
    planned: list[tuple[Client, list[tuple[str, str | None]]]] = []

    def since() -> datetime:
        return now - timedelta(days=rng.uniform(BASE_DAYS + 1, 400))

    onboarding = [a for a in agents.values() if a.role in (Role.AGENT, Role.CONTRACTOR)
                  and any(g.name == c.ONBOARDING for g in a.groups.all())]
    support = [a for a in agents.values() if a.role == Role.AGENT]
    for spec in c.COMPANIES:
        company = Company.objects.create(name=spec.name, is_internal=spec.is_internal,
                                         created_at=since())
        CompanyDomain.objects.create(company=company, domain=spec.domain)
        # One business client has a dedicated implementation manager [CL5].
        responsible = rng.choice(onboarding) if (
            not spec.is_internal and onboarding and rng.random() < 0.4) else None
        for _i in range(spec.people):
            first, last = _person(rng)
            at = since()
            client = Client(name=f"{first} {last}", company=company, created_at=at,
                            updated_at=at, is_internal=spec.is_internal,
                            responsible=responsible)
            local = f"{c.translit(first)[0]}.{c.translit(last)}"
            pairs: list[tuple[str, str | None]] = [(EMAIL, ids.email(local, spec.domain))]
            if rng.random() < 0.5:
                pairs.append((PHONE, ids.phone()))
            if spec.is_internal and rng.random() < 0.6:
                pairs.append((TELEGRAM, ids.telegram()))
            planned.append((client, pairs))
    for _i in range(c.INDIVIDUAL_CLIENTS):
        first, last = _person(rng)
        at = since()
        vip = rng.random() < 0.05
        client = Client(
            name=f"{first} {last}", created_at=at, updated_at=at,
            responsible=rng.choice(support) if vip and support else None,
            note="Постоянный клиент, отвечать в приоритете." if vip else "",
        )
        pairs = []
        if rng.random() < 0.9:
            pairs.append((EMAIL, ids.email(c.translit(f"{first} {last}"),
                                                        rng.choice(c.EMAIL_DOMAINS))))
        if rng.random() < 0.75 or not pairs:
            pairs.append((PHONE, ids.phone()))
        if rng.random() < 0.3:
            pairs.append((TELEGRAM, ids.telegram()))
        planned.append((client, pairs))
    for name, email in c.SPAM_SENDERS:
        at = since()
        planned.append((Client(name=name, created_at=at, updated_at=at),
                        [(EMAIL, ids.add(EMAIL, email))]))
    for client, _p in planned:
        client.name_folded = fold(client.name)  # bulk_create skips Client.save()
    Client.objects.bulk_create([client for client, _p in planned])
    Identity.objects.bulk_create(
        Identity(client=client, kind=kind, value=value, created_at=client.created_at)
        for client, pairs in planned for kind, value in pairs if value
    )


# --- the demo login -----------------------------------------------------------------------


def login_path() -> Path:
    return Path(settings.DATA_DIR) / LOGIN_FILE


def ensure_login() -> str:
    """The "log in as …" line. The admin's password is generated once and kept in
    DATA_DIR/demo-login.txt; it is set anew (for every demo agent) only when that file is
    missing or does not match this database."""
    path = login_path()
    admin = Agent.objects.filter(email=c.ADMIN_EMAIL).first()
    if admin is None:
        spec = c.AGENTS[0]
        admin = Agent.objects.create_user(spec.email, None, name=spec.name, role=Role.ADMIN)
    match = _PASSWORD.search(path.read_text()) if path.exists() else None
    password = match.group(1) if match else ""
    if not password or not admin.check_password(password):
        password = secrets.token_urlsafe(12)
        Agent.objects.filter(email__in=[a.email for a in c.AGENTS]).update(
            password=make_password(password))
    # No address here: the server's own is known only when it starts (`helpwire run` prints
    # "log in at …" with it); the file keeps what does not change.
    line = f"Log in as {c.ADMIN_EMAIL} with password {password}"
    path.touch(mode=0o600)
    path.chmod(0o600)
    path.write_text(line + "\n")
    return line
