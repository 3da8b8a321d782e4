"""Attachment files and their rows: never a row without its file, and files without rows
(a rolled-back or duplicate message) are swept after an hour [CHECKLIST 8]."""

from __future__ import annotations

import os
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from helpwire.connectors.types import InboundAttachment
from helpwire.conversations import attachments
from helpwire.core import events
from helpwire.tickets.models import Attachment, Ticket
from tests.race import inside

FILE = InboundAttachment(filename="счёт.xlsx", content=b"PK\x03\x04 spreadsheet bytes",
                         content_type="application/vnd.ms-excel")


def _files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def _age(path: Path, hours: float) -> None:
    stamp = time.time() - hours * 3600
    os.utime(path, (stamp, stamp))


def test_it_has_the_file_on_disk_before_the_message_commits(inbound):
    seen: list[bytes] = []

    def check(event) -> None:
        row = Attachment.objects.get(message_id=event.payload["message_id"])
        seen.append((Path(settings.MEDIA_ROOT) / row.file.name).read_bytes())

    with inside(events.MESSAGE_RECEIVED, check):
        inbound("Счёт во вложении", attachments=(FILE,))
    assert seen == [FILE.content]


def test_it_leaves_no_row_when_the_message_rolls_back_and_sweeps_the_file(inbound):
    def fail(event) -> None:
        raise RuntimeError("the database went away")

    with inside(events.MESSAGE_RECEIVED, fail), pytest.raises(RuntimeError):
        inbound("Счёт во вложении", attachments=(FILE,), thread="lost")
    assert not Ticket.objects.exists() and not Attachment.objects.exists()
    # Discarded at once where possible; whatever is left is swept once it is an hour old.
    leftovers = _files()
    for path in leftovers:
        _age(path, 2)
    attachments.sweep_orphans()
    assert _files() == []


def test_it_sweeps_only_old_files_that_no_row_refers_to(inbound):
    kept = inbound("Вложение", attachments=(FILE,)).message.attachments.get()
    kept_path = Path(settings.MEDIA_ROOT) / kept.file.name
    month = Path(settings.MEDIA_ROOT) / f"{timezone.now():%Y/%m}"
    old_orphan = month / ("0" * 32)
    young_orphan = month / ("1" * 32)
    old_orphan.write_bytes(b"left by a crash")
    young_orphan.write_bytes(b"being committed right now")
    for path in (kept_path, old_orphan):
        _age(path, 2)
    assert attachments.sweep_orphans() == 1
    assert kept_path.exists() and young_orphan.exists() and not old_orphan.exists()


def test_it_never_moves_a_ticket_back_in_time_for_a_late_message(inbound, ticket):
    before = Ticket.objects.get(pk=ticket.pk)
    inbound("Письмо, пришедшее с опозданием", thread="t-1",
            received_at=timezone.now() - timedelta(days=3))
    after = Ticket.objects.get(pk=ticket.pk)
    assert after.updated_at >= before.updated_at
    assert after.last_message_at == before.last_message_at
    assert after.messages.count() == 2
