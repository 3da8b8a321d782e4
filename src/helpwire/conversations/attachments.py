"""Storing attachment files under the data dir, with a size limit (CHECKLIST 8)."""

from __future__ import annotations

import re
import unicodedata

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from helpwire.conversations.types import InboundAttachment
from helpwire.tickets.models import Attachment, Message

_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\]")


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


def store(message: Message, item: InboundAttachment) -> Attachment:
    """Keep the file; one over the limit becomes a row that says why it is missing, so an
    inbound message never silently loses a part."""
    limit = settings.HELPWIRE_MAX_ATTACHMENT_BYTES
    attachment = Attachment(message=message, filename=safe_filename(item.filename),
                            content_type=(item.content_type or "")[:255],
                            size=len(item.content))
    if len(item.content) > limit:
        attachment.rejected_reason = _("larger than the %(limit)s limit") % {
            "limit": filesizeformat(limit)}
        attachment.save()
    else:
        attachment.file.save(attachment.filename, ContentFile(item.content), save=True)
    return attachment
