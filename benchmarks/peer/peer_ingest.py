"""``peer.py ingest`` and ``peer.py export-ingested`` [#11]: a corpus of .eml files through
django-helpdesk's own mail import, and what it stored. Imported by peer.py; Django and
helpdesk are imported inside the functions, after ``django_setup``.
"""

from __future__ import annotations

import argparse
import json
import shutil
import time
from pathlib import Path
from typing import Any

from peer_common import MAIL_QUEUE, django_setup, emit, fail

# ----------------------------------------------------------------------------- ingest

class Refusals:
    """Collects the error records django-helpdesk logs on the mail queue's logger."""

    def __init__(self) -> None:
        import logging

        self.records: list[str] = []
        outer = self

        class Handler(logging.Handler):
            def emit(self, record: logging.LogRecord) -> None:
                text = record.getMessage()
                if record.exc_info and record.exc_info[1] is not None:
                    exc = record.exc_info[1]
                    text += f": {type(exc).__name__}: {exc}"
                outer.records.append(text)

        self.handler = Handler(level=logging.ERROR)
        logging.getLogger(f"django.helpdesk.queue.{MAIL_QUEUE}").addHandler(self.handler)

    def take(self) -> list[str]:
        taken, self.records = self.records, []
        return taken


def max_ids() -> dict[str, int]:
    from django.db.models import Max
    from helpdesk.models import FollowUp, Ticket

    return {"ticket": Ticket.objects.aggregate(m=Max("id"))["m"] or 0,
            "followup": FollowUp.objects.aggregate(m=Max("id"))["m"] or 0}


def cmd_ingest(args: argparse.Namespace) -> None:
    import importlib.metadata

    corpus: Path = args.corpus
    files = sorted(corpus.glob("*.eml"))
    if not files:
        fail(f"no .eml files in {corpus}")
    django_setup(args)
    from django.core.management import call_command
    from helpdesk.models import FollowUp, Queue, Ticket

    home: Path = args.home
    maildir, failed_dir = home / "maildir", home / "mail-failed"
    maildir.mkdir(exist_ok=True)
    failed_dir.mkdir(exist_ok=True)
    if any(maildir.iterdir()):
        fail(f"{maildir} is not empty: run setup again")
    queue = Queue.objects.get(slug=MAIL_QUEUE)
    queue.email_box_local_dir = str(maildir)
    queue.email_box_interval = 0
    queue.email_box_last_check = None
    queue.logging_type = "error"
    queue.save()
    marks_path = home / "ingest_marks.json"
    before = max_ids()
    if not marks_path.exists():
        marks_path.write_text(json.dumps(before))
    refusals = Refusals()
    spent = 0.0
    runs = 0
    failed: list[dict[str, Any]] = []
    errors: list[str] = []

    def run() -> list[str]:
        nonlocal spent, runs
        started = time.perf_counter()
        call_command("get_email", quiet=True)
        spent += time.perf_counter() - started
        runs += 1
        return refusals.take()

    def feed(batch: list[Path]) -> None:
        for f in batch:
            shutil.copyfile(f, maildir / f.name)
        logged = run()
        left = sorted(p.name for p in maildir.iterdir())
        if not left:
            errors.extend(logged)
            return
        if len(batch) == 1:
            failed.append({"file": left[0], "error": "; ".join(logged) or "left in the dir"})
            shutil.move(maildir / left[0], failed_dir / left[0])
            return
        # A message that raises stops the whole queue run (the rest of the directory is not
        # read), so go back over what is left one message at a time.
        errors.extend(logged)
        for name in left:
            (maildir / name).unlink()
        for name in left:
            feed([corpus / name])

    def feed_as_imap(path: Path) -> None:
        """What imap_sync does with each fetched message: bytes decoded as UTF-8 with
        errors="replace", then extract_email_metadata. Only the server round trip is left
        out. An exception other than TypeError would end imap_sync's run there, leaving
        the message on the server to fail again at the next poll: counted as failed."""
        nonlocal spent, runs
        started = time.perf_counter()
        try:
            ticket = extract_email_metadata(
                message=force_str(path.read_bytes(), errors="replace"), queue=queue,
                logger=queue_logger)
        except Exception as exc:  # recorded, as the poller would log it
            ticket, reason = None, f"{type(exc).__name__}: {exc}"
        else:
            reason = "no ticket returned"
        spent += time.perf_counter() - started
        runs += 1
        logged = refusals.take()
        if ticket is None:
            failed.append({"file": path.name, "error": "; ".join([reason, *logged])})
        else:
            errors.extend(logged)

    if args.reader == "imap":
        import logging

        from django.utils.encoding import force_str
        from helpdesk.email import extract_email_metadata

        queue_logger = logging.getLogger(f"django.helpdesk.queue.{MAIL_QUEUE}")
        queue_logger.setLevel(logging.ERROR)  # what process_email sets for "error"
        queue_logger.propagate = False
        for f in files:
            feed_as_imap(f)
    else:
        step = args.batch if args.batch > 0 else len(files)
        for i in range(0, len(files), step):
            feed(files[i:i + step])
    after_tickets = Ticket.objects.filter(id__gt=before["ticket"]).count()
    after_followups = FollowUp.objects.filter(id__gt=before["followup"]).count()
    (home / "ingest_failed.json").write_text(json.dumps(failed, ensure_ascii=False, indent=1))
    emit({"messages": len(files), "seconds": round(spent, 2),
          "rate": round(len(files) / spent, 1) if spent else None,
          "tickets": after_tickets, "followups": after_followups,
          "version": importlib.metadata.version("django-helpdesk"),
          "imported": len(files) - len(failed), "failed": len(failed),
          "failed_files": [f["file"] for f in failed][:50],
          "failed_reasons": sorted({f["error"][:200] for f in failed})[:10],
          "errors_logged": len(errors), "error_samples": sorted(set(errors))[:10],
          "reader": args.reader, "batch": args.batch if args.reader == "get_email" else None,
          "runs": runs})


# ----------------------------------------------------------------------------- export

def cmd_export_ingested(args: argparse.Namespace) -> None:
    import hashlib

    django_setup(args)
    from helpdesk.models import FollowUp, FollowUpAttachment

    marks_path = args.home / "ingest_marks.json"
    if not marks_path.exists():
        fail("nothing ingested yet in this home")
    marks = json.loads(marks_path.read_text())
    attachments: dict[int, list[dict[str, Any]]] = {}
    for att in (FollowUpAttachment.objects.filter(followup_id__gt=marks["followup"])
                .order_by("id")):
        digest = hashlib.sha256()
        size = 0
        with att.file.open("rb") as fh:
            for block in iter(lambda fh=fh: fh.read(1 << 20), b""):
                digest.update(block)
                size += len(block)
        attachments.setdefault(att.followup_id, []).append({
            "filename": att.filename, "sha256": digest.hexdigest(), "size": size,
            "mime_type": att.mime_type})
    out: list[dict[str, Any]] = []
    opened: set[int] = set()
    for f in (FollowUp.objects.filter(id__gt=marks["followup"]).select_related("ticket")
              .order_by("id")):
        new_ticket = f.ticket_id > marks["ticket"] and f.ticket_id not in opened
        opened.add(f.ticket_id)
        out.append({
            "message_id": f.message_id or None, "title": f.ticket.title,
            "body": f.comment or "",
            "description": f.ticket.description if new_ticket else None,
            "new_ticket": new_ticket, "ticket_id": f.ticket_id, "followup_id": f.id,
            "attachments": attachments.get(f.id, []),
        })
    args.out.write_text(json.dumps(out, ensure_ascii=False, indent=1))
    emit({"records": len(out), "tickets": len(opened),
          "attachments": sum(len(a) for a in attachments.values()), "out": str(args.out)})
