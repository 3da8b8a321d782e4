from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from helpwire.mail import imap, intake
from helpwire.mail.models import Mailbox

# sysexits.h: the MTA keeps the mail and tries again later.
EX_TEMPFAIL = 75


class Command(BaseCommand):
    help = ("Mail in: `helpwire mail deliver --mailbox A < message.eml` (the MTA pipe), "
            "`helpwire mail poll [--mailbox A]` (one IMAP poll now)")
    # The MTA starts one process per message: Django's system checks import every URL
    # module (the API's schemas) and took ~40 % of each delivery's time [#11].
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        deliver = sub.add_parser("deliver", help="Take one message from standard input.")
        deliver.add_argument("--mailbox", required=True)
        poll = sub.add_parser("poll", help="Poll IMAP once now, then exit.")
        poll.add_argument("--mailbox", default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "deliver":
            self._deliver(options["mailbox"])
        else:
            self._poll(options["mailbox"])

    def _deliver(self, address: str) -> None:
        try:
            mailbox = Mailbox.objects.select_related("channel").get(address=address.lower())
        except Mailbox.DoesNotExist:
            # A mistake in the MTA's set-up: keep the mail queued there until it is fixed.
            self.stderr.write(f"no mailbox {address}")
            sys.exit(EX_TEMPFAIL)
        except DatabaseError as exc:
            self.stderr.write(f"database unavailable: {exc}")
            sys.exit(EX_TEMPFAIL)
        raw = sys.stdin.buffer.read()
        try:
            outcome = intake.deliver(mailbox=mailbox, raw=raw)
        except (OSError, DatabaseError) as exc:
            self.stderr.write(f"could not keep the message: {exc}")
            sys.exit(EX_TEMPFAIL)
        line = f"{outcome.state}"
        if outcome.ticket_id:
            line += f" ticket={outcome.ticket_id}"
        if outcome.reason:
            line += f" ({outcome.reason})"
        self.stdout.write(line)

    def _poll(self, address: str | None) -> None:
        boxes = Mailbox.objects.exclude(imap_host="")
        if address:
            boxes = boxes.filter(address=address.lower())
            if not boxes.exists():
                raise CommandError(f"no mailbox {address} with IMAP settings")
        results = imap.poll_many(list(boxes.values_list("pk", flat=True)))
        for r in results:
            self.stdout.write(f"{r.mailbox}\t{r.fetched} fetched\t{r.taken} taken"
                              + (f"\terror: {r.error}" if r.error else ""))
        if any(r.error for r in results):
            sys.exit(1)
