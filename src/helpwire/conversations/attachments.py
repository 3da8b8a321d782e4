"""Attachment files under the data dir, with a size limit (CHECKLIST 8).

Files are written — and fsynced, with their directory — *before* the transaction that
records them commits, under their final name: a crash right after the commit can never
leave a row without its file. The opposite (a file without a row, after a rollback or a
duplicate) is harmless, and ``sweep_orphans`` deletes such files once they are an hour old.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from helpwire.connectors.types import InboundAttachment
from helpwire.core import periodic
from helpwire.core.files import write_durably
from helpwire.tickets.models import Attachment, Message

logger = logging.getLogger("helpwire.attachments")
_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\]")
ORPHAN_AGE = timedelta(hours=1)


def safe_filename(name: str) -> str:
    name = unicodedata.normalize("NFC", name or "").rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
    name = _UNSAFE.sub("_", name).strip(" .") or "attachment"
    if len(name) > 200:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 190] + dot + ext[:9]) if dot else name[:200]
    return name


def check_size(item: InboundAttachment) -> None:
    """For uploads by agents and the API: refuse before anything is written."""
    limit = settings.HELPWIRE_MAX_ATTACHMENT_BYTES
    if len(item.content) > limit:
        raise ValidationError(
            _("%(name)s is %(size)s; the limit is %(limit)s."), code="attachment_too_large",
            params={"name": safe_filename(item.filename),
                    "size": filesizeformat(len(item.content)),
                    "limit": filesizeformat(limit)},
        )


@dataclass
class Prepared:
    """One attachment whose file (if kept) is already durable on disk."""

    id: uuid.UUID
    filename: str
    content_type: str
    size: int
    created_at: datetime
    path: str = ""  # relative to MEDIA_ROOT; empty when the file was refused
    rejected_reason: str = ""
    content_id: str = ""


def _write_durably(relative: str, content: bytes) -> None:
    write_durably(Path(settings.MEDIA_ROOT) / relative, content)


def prepare(items: tuple[InboundAttachment, ...] | list[InboundAttachment]) -> list[Prepared]:
    """Write the files (those within the limit) before the transaction; an inbound file over
    the limit becomes a row that says why it is missing, so nothing vanishes silently."""
    limit = settings.HELPWIRE_MAX_ATTACHMENT_BYTES
    out: list[Prepared] = []
    try:
        for item in items:
            now = timezone.now()
            p = Prepared(id=uuid.uuid4(), filename=safe_filename(item.filename),
                         content_type=(item.content_type or "")[:255],
                         size=len(item.content), created_at=now,
                         content_id=item.content_id[:255])
            if len(item.content) > limit:
                p.rejected_reason = _("larger than the %(limit)s limit") % {
                    "limit": filesizeformat(limit)}
            else:
                p.path = f"{now:%Y/%m}/{p.id.hex}"
                _write_durably(p.path, item.content)
            out.append(p)
    except BaseException:
        discard(out)  # the message's other files, written before the disk filled up
        raise
    return out


def record(message: Message, prepared: list[Prepared]) -> list[Attachment]:
    """The rows for files already on disk (inside the caller's transaction)."""
    rows = [Attachment(id=p.id, message=message, file=p.path, filename=p.filename,
                       content_type=p.content_type, size=p.size,
                       rejected_reason=p.rejected_reason, content_id=p.content_id,
                       created_at=p.created_at)
            for p in prepared]
    return Attachment.objects.bulk_create(rows)


def discard(prepared: list[Prepared]) -> None:
    """Best effort after a rollback or a duplicate; the orphan sweep catches the rest."""
    for p in prepared:
        if p.path:
            with contextlib.suppress(OSError):
                (Path(settings.MEDIA_ROOT) / p.path).unlink()


@periodic.every(3600, name="attachments.sweep_orphans")
def sweep_orphans(*, now: datetime | None = None, batch: int = 500) -> int:
    """Delete files no attachment row refers to, once they are an hour old. Only this
    month's and last month's folders: files are named by when they were written, so older
    folders cannot gain orphans."""
    now = now or timezone.now()
    root = Path(settings.MEDIA_ROOT)
    first = now.replace(day=1)
    months = {f"{now:%Y/%m}", f"{first - timedelta(days=1):%Y/%m}"}
    cutoff = (now - ORPHAN_AGE).timestamp()
    candidates = [f"{month}/{entry.name}" for month in sorted(months)
                  if (root / month).is_dir()
                  for entry in os.scandir(root / month)
                  if entry.is_file() and entry.stat().st_mtime < cutoff]
    deleted = 0
    for start in range(0, len(candidates), batch):
        chunk = candidates[start:start + batch]
        known = set(Attachment.objects.filter(file__in=chunk).values_list("file", flat=True))
        for name in chunk:
            if name not in known:
                (root / name).unlink(missing_ok=True)
                deleted += 1
    if deleted:
        logger.info("deleted %s orphaned attachment files", deleted)
    return deleted
