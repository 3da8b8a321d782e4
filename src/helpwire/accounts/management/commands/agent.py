from __future__ import annotations

import secrets
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from helpwire.accounts.actions import create_agent
from helpwire.accounts.models import Group, Role


class Command(BaseCommand):
    help = "Manage agents: helpwire agent create --email E --name N [--role R] [--password P]"

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Add an agent.")
        create.add_argument("--email", required=True)
        create.add_argument("--name", required=True)
        create.add_argument("--role", default=Role.AGENT, choices=Role.values)
        create.add_argument("--password", default=None,
                            help="Omit to generate one; it is printed once.")
        create.add_argument("--group", action="append", default=[],
                            help="Group name (repeatable); created if missing.")

    def handle(self, *args: Any, **options: Any) -> None:
        password = options["password"] or secrets.token_urlsafe(12)
        groups = [Group.objects.get_or_create(name=n)[0] for n in options["group"]]
        try:
            agent = create_agent(email=options["email"], name=options["name"],
                                 role=options["role"], password=password, groups=groups)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stdout.write(f"Created {agent.role} {agent.name} <{agent.email}> (id {agent.pk})")
        if not options["password"]:
            self.stdout.write(f"Password: {password}")
