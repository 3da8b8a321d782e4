from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from helpwire.accounts.models import Group
from helpwire.core.actors import Actor
from helpwire.mail.actions import create_mailbox
from helpwire.mail.models import Mailbox, Security


def _secret(options: dict[str, Any], side: str) -> str:
    given = options.get(f"{side}_password")
    path = options.get(f"{side}_password_file")
    if given and path:
        raise CommandError(f"give --{side}-password or --{side}-password-file, not both")
    if path:
        return Path(path).read_text().rstrip("\r\n")
    return given or ""


class Command(BaseCommand):
    help = "Mailboxes [CH1]: helpwire mailbox create --address A …; helpwire mailbox list"

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Connect a mailbox.")
        create.add_argument("--address", required=True)
        create.add_argument("--name", default="")
        create.add_argument("--group", default=None, help="Default group (created if missing).")
        for side, port in (("imap", 993), ("smtp", 465)):
            create.add_argument(f"--{side}-host", default="")
            create.add_argument(f"--{side}-port", type=int, default=port)
            create.add_argument(f"--{side}-security", choices=Security.values,
                                default=Security.SSL)
            create.add_argument(f"--{side}-user", default="")
            create.add_argument(f"--{side}-password", default=None)
            create.add_argument(f"--{side}-password-file", default=None)
        create.add_argument("--imap-folder", default="INBOX")
        create.add_argument("--poll-seconds", type=int, default=60)
        create.add_argument("--internal", action="store_true",
                            help="Mail to it is from colleagues (internal requests).")
        create.add_argument("--system", action="store_true",
                            help="Agent notifications leave through it.")
        listing = sub.add_parser("list", help="One line per mailbox, tab-separated.")
        listing.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "list":
            self._list(as_json=options["json"])
            return
        if options["imap_host"] and not (options["imap_password"]
                                         or options["imap_password_file"]):
            raise CommandError("--imap-host needs --imap-password or --imap-password-file")
        group = Group.objects.get_or_create(name=options["group"])[0] if options["group"] \
            else None
        try:
            box = create_mailbox(
                actor=Actor.system("cli"), address=options["address"], name=options["name"],
                group=group, imap_password=_secret(options, "imap"),
                smtp_password=_secret(options, "smtp"),
                imap_host=options["imap_host"], imap_port=options["imap_port"],
                imap_security=options["imap_security"], imap_user=options["imap_user"],
                imap_folder=options["imap_folder"], poll_seconds=options["poll_seconds"],
                smtp_host=options["smtp_host"], smtp_port=options["smtp_port"],
                smtp_security=options["smtp_security"], smtp_user=options["smtp_user"],
                is_internal=options["internal"], is_system=options["system"],
            )
        except (ValidationError, OSError) as exc:
            messages = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
            raise CommandError("; ".join(messages)) from exc
        how = f"polled every {box.poll_seconds} s from {box.imap_host}" if box.imap_host \
            else "fed by `helpwire mail deliver`"
        self.stdout.write(f"Created mailbox {box.address} (channel {box.channel_id}), {how}")

    def _list(self, *, as_json: bool) -> None:
        rows = [{"address": b.address, "name": b.channel.name, "channel_id": b.channel_id,
                 "group": b.channel.default_group.name if b.channel.default_group else "",
                 "imap": f"{b.imap_host}:{b.imap_port}" if b.imap_host else "",
                 "smtp": f"{b.smtp_host}:{b.smtp_port}" if b.smtp_host else "",
                 "poll_seconds": b.poll_seconds, "active": b.channel.is_active,
                 "failures": b.failures, "last_error": b.last_error,
                 "last_polled_at": b.last_polled_at.isoformat() if b.last_polled_at else None}
                for b in Mailbox.objects.select_related("channel__default_group")]
        if as_json:
            self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2))
            return
        for r in rows:
            self.stdout.write("\t".join(str(r[k]) for k in (
                "address", "name", "group", "imap", "smtp", "poll_seconds", "failures",
                "last_error")).replace("\n", " "))
