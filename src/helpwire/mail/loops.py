"""Mail loop protection, on by default (CHECKLIST items 1–3).

``auto_reason`` says why a mail was written by a machine (and so must never be answered
by one); ``claim_auto_reply`` is the one function that decides whether an automatic
message may go to an address, and counts it when it may. The rules that send automatic
answers call it; nothing else sends one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from helpwire.accounts.models import Notification
from helpwire.accounts.notify import notify_admins
from helpwire.core import advisory
from helpwire.mail.models import AutoReply, Mailbox

_ROBOT_SENDERS = re.compile(
    r"^(mailer-daemon|postmaster|no-?reply|do-?not-?reply|bounces?|auto-?reply)([+._-].*)?$",
    re.I)
# Headers every automatic message of ours carries (RFC 3834, and what Exchange honours).
AUTO_HEADERS = {
    "Auto-Submitted": "auto-replied",
    "Precedence": "bulk",
    "X-Auto-Response-Suppress": "All",
    "X-Loop": "helpwire",
}


def is_robot_sender(address: str) -> bool:
    return bool(_ROBOT_SENDERS.match(address.partition("@")[0]))


def own_addresses() -> set[str]:
    return set(Mailbox.objects.values_list("address", flat=True))


def auto_reason(headers: Mapping[str, str], sender: str, *,
                ours: Iterable[str] = ()) -> str:
    """Why no automatic message may answer this mail, or "" if a person wrote it."""
    get = {k.lower(): (v or "").strip().lower() for k, v in headers.items()}
    if get.get("auto-submitted", "no") not in ("", "no"):
        return "Auto-Submitted: " + get["auto-submitted"]
    if get.get("precedence") in ("bulk", "junk", "list"):
        return "Precedence: " + get["precedence"]
    for name in ("list-id", "list-unsubscribe"):
        if name in get:
            return {"list-id": "List-Id", "list-unsubscribe": "List-Unsubscribe"}[name]
    suppress = {v.strip() for v in get.get("x-auto-response-suppress", "").split(",")}
    if suppress & {"all", "oof", "autoreply"}:
        return "X-Auto-Response-Suppress: " + get["x-auto-response-suppress"]
    if "helpwire" in get.get("x-loop", ""):
        return "X-Loop"
    sender = sender.lower()
    if is_robot_sender(sender):
        return "robot sender " + sender
    if sender in {a.lower() for a in ours}:
        return "one of our own mailboxes"
    return ""


def claim_auto_reply(*, address: str, headers: Mapping[str, str],
                     now: datetime | None = None) -> tuple[bool, str]:
    """May an automatic message go to ``address`` in answer to a mail with ``headers``?
    When it may, it is counted at once (in this transaction): at most
    ``HELPWIRE_MAIL_AUTO_REPLY_CAP`` per address per 24 hours, however many workers ask
    at the same moment. Returns (allowed, reason when not)."""
    address = address.strip().lower()
    reason = auto_reason(headers, address, ours=own_addresses())
    if reason:
        return False, reason
    now = now or timezone.now()
    cap = settings.HELPWIRE_MAIL_AUTO_REPLY_CAP
    with transaction.atomic():
        advisory.lock([f"auto-reply:{address}"])
        sent = AutoReply.objects.filter(address=address,
                                        sent_at__gt=now - timedelta(hours=24)).count()
        if sent >= cap:
            return False, f"{sent} automatic messages to {address} in the last 24 hours"
        AutoReply.objects.create(address=address, sent_at=now)
    return True, ""


def flood_reason(sender: str) -> str:
    return (f"more than {settings.HELPWIRE_MAIL_NEW_TICKETS_PER_HOUR} new tickets from "
            f"{sender} in an hour: held until an admin releases it")


def alert_admins(reason: str) -> None:
    """Tell the admins that mail is being held."""
    notify_admins(kind=Notification.Kind.MAIL, email=False,
                  text=lambda: _("Mail held in quarantine: %(reason)s") % {"reason": reason})


def claim_for_message(*, message_meta: Mapping[str, object], address: str) -> tuple[bool, str]:
    """May a rule's automatic reply answer this stored message? Never one a machine wrote
    or an agent forwarded (the reason was kept at intake), and then ``claim_auto_reply``:
    not our own mailboxes or robot senders, and the per-address daily cap."""
    automatic = message_meta.get("automatic")
    if automatic:
        return False, str(automatic)
    if message_meta.get("forwarded_by"):
        return False, "forwarded by an agent"
    if not address:
        return False, "no address"
    return claim_auto_reply(address=address, headers={})
