"""IMAP polling [CH1]: new mail by UID, never a re-scan, never lost, never doubled.

The position is UIDVALIDITY + the last UID taken. Mail is fetched in batches without
touching its flags (``BODY.PEEK``), kept and taken in (committed), and only then marked
seen and the position moved on: a poller killed in between fetches it again next time, and
the digest (or Message-ID) makes the second copy a quiet duplicate. On the first poll, or
when the server renumbered the folder (a new UIDVALIDITY), only unseen mail is taken.

Every mailbox is polled on its own with a timeout, so one slow or broken server never
holds up the others (FreeScout #4994, Zammad #2321).
"""

from __future__ import annotations

import logging
import re
import ssl
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from django.conf import settings
from django.db import close_old_connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from imap_tools import MailBox, MailBoxStartTls, MailBoxUnencrypted
from imap_tools.mailbox import BaseMailBox

from helpwire.accounts.models import Notification
from helpwire.accounts.notify import notify_admins
from helpwire.mail import crypto, intake, oauth
from helpwire.mail.models import AuthKind, Mailbox, Security

logger = logging.getLogger("helpwire.mail")
_UID = re.compile(rb"UID (\d+)")
# Mails fetched, kept and taken in together; the position moves after each batch.
BATCH = 25


@dataclass
class PollResult:
    mailbox: str
    fetched: int = 0
    taken: int = 0
    error: str = ""


def tls_context() -> ssl.SSLContext:
    context = ssl.create_default_context()
    if not settings.HELPWIRE_MAIL_TLS_VERIFY:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def connect(mailbox: Mailbox) -> BaseMailBox:
    """Logged in, with the folder selected (the caller logs out)."""
    timeout = settings.HELPWIRE_MAIL_TIMEOUT
    box: BaseMailBox
    if mailbox.imap_security == Security.SSL:
        box = MailBox(mailbox.imap_host, mailbox.imap_port, timeout=timeout,
                      ssl_context=tls_context())
    elif mailbox.imap_security == Security.STARTTLS:
        box = MailBoxStartTls(mailbox.imap_host, mailbox.imap_port, timeout=timeout,
                              ssl_context=tls_context())
    else:
        box = MailBoxUnencrypted(mailbox.imap_host, mailbox.imap_port, timeout=timeout)
    user, folder = mailbox.imap_user or mailbox.address, mailbox.imap_folder or "INBOX"
    if mailbox.auth == AuthKind.OAUTH2:
        return box.xoauth2(user, oauth.access_token(mailbox), initial_folder=folder)
    return box.login(user, crypto.decrypt(mailbox.imap_secret), initial_folder=folder)


def _fetch_raw(box: BaseMailBox, uids: list[int]) -> dict[int, bytes]:
    """The bytes of these mails by UID, in one command (a UID missing was expunged)."""
    wanted = ",".join(str(u) for u in uids)
    status, data = box.client.uid("FETCH", wanted, "(BODY.PEEK[])")
    if status != "OK":
        raise RuntimeError(f"FETCH {wanted}: {status} {data!r}")
    found: dict[int, bytes] = {}
    for item in data:
        if isinstance(item, tuple) and (match := _UID.search(item[0])):
            found[int(match.group(1))] = bytes(item[1])
    return found


def poll(mailbox: Mailbox, *, limit: int = 500) -> PollResult:
    """One poll of one mailbox; raises on a connection or protocol error."""
    result = PollResult(mailbox=mailbox.address)
    box = connect(mailbox)
    try:
        folder = mailbox.imap_folder or "INBOX"
        status = box.folder.status(folder, ["UIDVALIDITY", "UIDNEXT"])
        validity, uidnext = int(status["UIDVALIDITY"]), int(status["UIDNEXT"])
        steady = mailbox.uidvalidity == validity
        if steady:
            last = mailbox.last_uid
            # "N:*" always matches the newest message, even when it is older than N.
            uids = [int(u) for u in box.uids(f"UID {last + 1}:*") if int(u) > last]
        else:
            # First poll, or the folder was renumbered: what is unseen now, then onwards.
            uids = [int(u) for u in box.uids("UNSEEN")]
            last = uidnext - 1
        # A backlog is taken in slices (the position moves on); unseen mail all at once.
        todo = sorted(uids)[:limit] if steady else sorted(uids)
        for start in range(0, len(todo), BATCH):
            chunk = todo[start:start + BATCH]
            raws = _fetch_raw(box, chunk)
            result.fetched += len(chunk)
            present = [uid for uid in chunk if uid in raws]
            # Deferred commits only where a synchronous position update follows (below).
            outcomes = intake.deliver_batch(mailbox=mailbox, raws=[raws[u] for u in present],
                                            deferred=steady)
            result.taken += sum(outcome.state == "taken" for outcome in outcomes)
            if present:
                box.client.uid("STORE", ",".join(map(str, present)), "+FLAGS", "(\\Seen)")
            if steady:
                # A synchronous commit: it makes the batch's deferred ones durable too.
                last = max(last, *chunk)
                Mailbox.objects.filter(pk=mailbox.pk).update(last_uid=last)
        Mailbox.objects.filter(pk=mailbox.pk).update(uidvalidity=validity, last_uid=last)
    finally:
        try:
            box.logout()
        except Exception:  # the connection may already be gone
            logger.debug("logout from %s failed", mailbox.address, exc_info=True)
    return result


def poll_and_record(mailbox_id: int) -> PollResult:
    """Poll, and keep the mailbox's health: the error shows in settings, and admins are
    told once when it has failed ``HELPWIRE_MAIL_FAILURE_ALERT`` times in a row."""
    mailbox = Mailbox.objects.select_related("channel").get(pk=mailbox_id)
    now = timezone.now()
    try:
        result = poll(mailbox)
    except Exception as exc:  # any failure is this mailbox's, reported on it
        error = f"{exc.__class__.__name__}: {exc}"[:2000]
        logger.warning("polling %s failed: %s", mailbox.address, error)
        with transaction.atomic():
            box = Mailbox.objects.select_for_update().get(pk=mailbox.pk)
            box.failures += 1
            box.last_error = error
            box.last_polled_at = now
            box.save(update_fields=["failures", "last_error", "last_polled_at"])
            if box.failures == settings.HELPWIRE_MAIL_FAILURE_ALERT:
                _alert(box, error)
        return PollResult(mailbox=mailbox.address, error=error)
    Mailbox.objects.filter(pk=mailbox.pk).update(failures=0, last_error="", last_polled_at=now)
    return result


def _alert(mailbox: Mailbox, error: str) -> None:
    notify_admins(kind=Notification.Kind.MAIL,
                  text=lambda: _("Mailbox %(address)s cannot be checked: %(error)s")
                  % {"address": mailbox.address, "error": error[:300]})


def _in_thread(mailbox_id: int) -> PollResult:
    try:
        return poll_and_record(mailbox_id)
    finally:
        close_old_connections()


def poll_many(mailbox_ids: Iterable[int], *, workers: int = 8) -> list[PollResult]:
    """Poll several mailboxes side by side: a slow one costs only its own thread."""
    ids = list(mailbox_ids)
    if len(ids) <= 1:
        return [poll_and_record(i) for i in ids]
    with ThreadPoolExecutor(max_workers=min(workers, len(ids))) as pool:
        return list(pool.map(_in_thread, ids))
