"""Stream a loaded Helpwire database as JSON lines, one ticket a line, for the peer [#11].

    DATABASE_URL=postgres://… .venv/bin/python benchmarks/export_tickets.py --out FILE.jsonl
    HELPWIRE_DATA_DIR=/tmp/hw   .venv/bin/python benchmarks/export_tickets.py --out FILE.jsonl

Each line: {"id", "number", "subject", "status", "priority", "created_at", "updated_at",
"client_email", "assigned", "messages": [{"kind": "client"|"agent"|"note", "body",
"created_at"}]}. System messages are left out. ``client_email`` is the client's first email
identity, or an address made up from the client's name when the client has none.

Tickets are read in primary-key ranges (one query for the tickets of a range, one for their
messages, one each for their clients' names and emails), so memory stays flat and 1M tickets
take minutes, not hours.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import re
import sys
import time
from pathlib import Path
from typing import Any

KINDS = {"inbound": "client", "outbound": "agent", "note": "note"}
_BREAKS = re.compile(r"<\s*(br|/p|/div|/li|/tr|/h[1-6]|/blockquote)\b[^>]*>", re.I)
_TAGS = re.compile(r"<[^>]+>")
_SPACES = re.compile(r"[ \t\r\f\v]+")
_LINES = re.compile(r"\n\s*\n\s*(\n\s*)+")
_NOT_LOCAL = re.compile(r"[^a-z0-9]+")
_TRANSLIT = str.maketrans({
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh",
    "з": "z", "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o",
    "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "h", "ц": "ts",
    "ч": "ch", "ш": "sh", "щ": "sch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu",
    "я": "ya",
})


def html_text(body_html: str) -> str:
    """Plain text of sanitised message HTML: line breaks kept, tags dropped, entities read."""
    text = _BREAKS.sub("\n", body_html)
    text = html.unescape(_TAGS.sub("", text))
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return _LINES.sub("\n\n", "\n".join(lines)).strip()


def made_up_email(client_id: int, name: str) -> str:
    local = _NOT_LOCAL.sub(".", (name or "").lower().translate(_TRANSLIT)).strip(".")
    return f"{local or 'client'}.{client_id}@clients.invalid"


def iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def export(out: Path, chunk: int, limit: int | None) -> dict[str, Any]:
    from django.db import connection

    from helpwire.clients.models import Client, Identity, IdentityKind
    from helpwire.tickets.models import Message, MessageKind, Ticket

    started = time.monotonic()
    total = Ticket.objects.count() if limit is None else limit
    try:
        from tqdm import tqdm
        bar: Any = tqdm(total=total, unit="ticket", unit_scale=True, file=sys.stderr,
                        disable=None)
    except ImportError:  # pragma: no cover - tqdm comes with Helpwire
        bar = None
    tickets = messages = 0
    last = 0
    tmp = out.with_name(out.name + ".part")
    with tmp.open("w", encoding="utf-8") as fh:
        while limit is None or tickets < limit:
            size = chunk if limit is None else min(chunk, limit - tickets)
            rows = list(
                Ticket.objects.filter(pk__gt=last).order_by("pk").values_list(
                    "pk", "number", "subject", "status", "priority", "created_at",
                    "updated_at", "client_id", "assignee_id")[:size])
            if not rows:
                break
            lo, hi = rows[0][0], rows[-1][0]
            last = hi
            client_ids = sorted({r[7] for r in rows})
            emails: dict[int, str] = {}
            for client_id, value in (
                    Identity.objects.filter(client_id__in=client_ids, kind=IdentityKind.EMAIL)
                    .order_by("client_id", "-pk").values_list("client_id", "value")):
                emails[client_id] = value  # ordered by -pk: the first identity wins
            missing = [c for c in client_ids if c not in emails]
            if missing:
                for client_id, name in (Client.objects.filter(pk__in=missing)
                                        .values_list("pk", "name")):
                    emails[client_id] = made_up_email(client_id, name)
            thread: dict[int, list[dict[str, Any]]] = {}
            for ticket_id, kind, text, body_html, created in (
                    Message.objects.filter(ticket_id__gte=lo, ticket_id__lte=hi)
                    .exclude(kind=MessageKind.SYSTEM)
                    .order_by("ticket_id", "created_at", "pk")
                    .values_list("ticket_id", "kind", "body_text", "body_html", "created_at")
                    .iterator(chunk_size=20_000)):
                body = text.strip() if text and text.strip() else html_text(body_html or "")
                thread.setdefault(ticket_id, []).append(
                    {"kind": KINDS[kind], "body": body, "created_at": iso(created)})
            for pk, number, subject, status, priority, created, updated, client_id, assignee \
                    in rows:
                msgs = thread.get(pk, [])
                messages += len(msgs)
                fh.write(json.dumps({
                    "id": pk, "number": number, "subject": subject, "status": status,
                    "priority": priority, "created_at": iso(created), "updated_at": iso(updated),
                    "client_email": emails.get(client_id) or made_up_email(client_id, ""),
                    "assigned": assignee is not None, "messages": msgs,
                }, ensure_ascii=False))
                fh.write("\n")
            tickets += len(rows)
            if bar is not None:
                bar.update(len(rows))
            connection.queries_log.clear()
    os.replace(tmp, out)
    if bar is not None:
        bar.close()
    seconds = time.monotonic() - started
    return {"tickets": tickets, "messages": messages, "seconds": round(seconds, 2),
            "out": str(out)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, type=Path, help="the JSON lines file to write")
    parser.add_argument("--chunk", type=int, default=5000, help="tickets per query range")
    parser.add_argument("--limit", type=int, default=None, help="stop after N tickets")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpwire.settings")
    import django
    django.setup()
    print(json.dumps(export(args.out, args.chunk, args.limit)))


if __name__ == "__main__":
    main()
