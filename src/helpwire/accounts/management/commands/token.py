from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from helpwire.accounts.actions import issue_token
from helpwire.accounts.models import Agent


class Command(BaseCommand):
    help = "API tokens: helpwire token create --email E (the token is the last line printed)"

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Issue a token for one agent.")
        create.add_argument("--email", required=True)
        create.add_argument("--name", default="cli")

    def handle(self, *args: Any, **options: Any) -> None:
        agent = Agent.objects.filter(email=options["email"].strip().lower()).first()
        if agent is None:
            raise CommandError(f"No agent with email {options['email']}")
        try:
            raw = issue_token(agent=agent, name=options["name"])
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stdout.write(f"API token for {agent.email} (shown once, store it safely):")
        self.stdout.write(raw)
