#!/usr/bin/env python3
"""django-helpdesk as a side-by-side benchmark peer of Helpwire [#11].

    python3 benchmarks/peer/peer.py install
    python3 benchmarks/peer/peer.py setup --db sqlite|postgres [--pg-db peer_bench]
    python3 benchmarks/peer/peer.py load --from tickets.jsonl   # benchmarks/export_tickets.py
    python3 benchmarks/peer/peer.py serve --port 8101 [--workers 2]
    python3 benchmarks/peer/peer.py urls
    python3 benchmarks/peer/peer.py check --port 8101
    python3 benchmarks/peer/peer.py ingest --corpus DIR             # DIR/*.eml
    python3 benchmarks/peer/peer.py export-ingested --out stored.json

Every subcommand takes --home DIR (the peer's state: settings choice, SQLite file, media,
static, mail directory, credentials; default benchmarks/.work/peer), --db and --pg-db (default:
what ``setup`` chose for that home) and --venv (default benchmarks/peer/.venv). Runs with the
system python3; subcommands that need Django re-run themselves with the peer's venv.
See README.md beside this file.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent
REPO = ROOT.parents[1]
DEFAULT_HOME = REPO / "benchmarks" / ".work" / "peer"
DEFAULT_VENV = ROOT / ".venv"
REQUIREMENTS = ["django-helpdesk", "gunicorn", "psycopg[binary]", "whitenoise", "tqdm"]
VERSIONED = ["django-helpdesk", "Django", "gunicorn", "psycopg", "whitenoise"]
NEEDS_DJANGO = {"setup", "load", "ingest", "export-ingested"}

USERNAME = "bench"
EMAIL = "bench@peer.localhost"
SUPPORT_QUEUE = "support"  # the tickets loaded from Helpwire
MAIL_QUEUE = "mail"  # the queue ``ingest`` feeds through get_email
MAIL_ADDRESS = "support@bench.helpwire.local"
PAGE = 25  # django-helpdesk's default tickets_per_page
DEEP_PAGE = 20

# Helpwire status -> (django-helpdesk status, on_hold). django-helpdesk has Open 1,
# Reopened 2, Resolved 3, Closed 4, Duplicate 5; its default staff list shows 1 and 2, which
# then holds the same tickets as Helpwire's "in work" (new, open, on hold, pending).
STATUS = {
    "new": (1, False), "open": (1, False), "pending": (1, False), "on_hold": (1, True),
    "solved": (3, False), "closed": (4, False), "spam": (4, False), "merged": (5, False),
}
# Helpwire priority -> django-helpdesk (1 Critical, 2 High, 3 Normal, 4 Low, 5 Very Low).
PRIORITY = {"extreme": 1, "urgent": 2, "medium": 3, "low": 4}


# ----------------------------------------------------------------------------- plumbing

def emit(obj: Any) -> None:
    print(json.dumps(obj, ensure_ascii=False), flush=True)


def fail(message: str) -> None:
    print(f"peer: {message}", file=sys.stderr)
    raise SystemExit(2)


def home_config(args: argparse.Namespace) -> dict[str, str]:
    """--db / --pg-db as given, else as ``setup`` recorded them for this home, else sqlite."""
    saved: dict[str, str] = {}
    path = args.home / "config.json"
    if path.exists():
        saved = json.loads(path.read_text())
    return {"db": args.db or saved.get("db") or "sqlite",
            "pg_db": args.pg_db or saved.get("pg_db") or "peer_bench"}


def peer_env(args: argparse.Namespace) -> dict[str, str]:
    cfg = home_config(args)
    env = dict(os.environ)
    env.update({
        "PEER_HOME": str(args.home), "PEER_DB": cfg["db"], "PEER_PG_DB": cfg["pg_db"],
        "DJANGO_SETTINGS_MODULE": "peer_site.settings",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH", "")])),
    })
    return env


def in_venv(venv: Path) -> bool:
    return Path(sys.prefix).resolve() == venv.resolve()


def reexec_in_venv(args: argparse.Namespace) -> None:
    python = args.venv / "bin" / "python"
    if not python.exists():
        fail(f"no peer venv at {args.venv}: run `python3 {Path(__file__).name} install` first")
    argv = [str(python), str(Path(__file__).resolve()), *sys.argv[1:]]
    os.execve(str(python), argv, peer_env(args))  # noqa: S606 - a fixed program, no shell


def django_setup(args: argparse.Namespace) -> None:
    os.environ.update(peer_env(args))
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django
    django.setup()


def credentials(home: Path) -> dict[str, str]:
    path = home / "credentials.json"
    if not path.exists():
        fail(f"{path} is missing: run `setup` for this home first")
    return json.loads(path.read_text())


def b64(query: dict[str, Any]) -> str:
    """django-helpdesk's query_to_base64: the ticket list's filters travel in the URL."""
    return base64.b64encode(json.dumps(query).encode()).decode("ascii")


# The query the staff list builds with no filter in the URL (views/staff.py ticket_list):
# open and reopened tickets, by creation date, oldest first.
LIST_QUERY = {"filtering": {"status__in": [1, 2]}, "sorting": "created", "search_string": "",
              "sortreverse": False}


# The search box in the page header (navigation-header.html) sends q with status 1, 2 and 3
# (closed and duplicate tickets are left out) and search_type=header; a bare ?q= searches
# every status. A number as q jumps to that ticket instead (a redirect).
SEARCH = "/tickets/?q={q}&status=1&status=2&status=3&search_type=header"
SEARCH_ALL = "/tickets/?q={q}"


def search_query(q: str, every_status: bool = False) -> dict[str, Any]:
    """What ticket_list builds for a keyword search, in its key order, by creation date."""
    filtering = {} if every_status else {"status__in": [1, 2, 3]}
    return {"filtering": filtering, "filtering_null": {}, "sorting": "created",
            "sortreverse": None, "search_string": q}


def rows_path(query: dict[str, Any], page: int = 1) -> str:
    return (f"/datatables_ticket_list/{b64(query)}"
            f"?draw={page}&start={(page - 1) * PAGE}&length={PAGE}")


# ----------------------------------------------------------------------------- install

def versions(python: Path) -> dict[str, str]:
    code = ("import importlib.metadata as m, json, sys; "
            f"print(json.dumps({{n: m.version(n) for n in {VERSIONED!r}}}))")
    out = subprocess.run([str(python), "-c", code], check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def cmd_install(args: argparse.Namespace) -> None:
    venv: Path = args.venv
    python = venv / "bin" / "python"
    marker = venv / "peer-install.json"
    if python.exists() and marker.exists() and not args.upgrade:
        info = json.loads(marker.read_text())
        if info.get("requirements") == REQUIREMENTS:
            emit({"version": info["versions"]["django-helpdesk"], "versions": info["versions"],
                  "venv": str(venv), "installed_now": False})
            return
    started = time.monotonic()
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    if args.upgrade:
        pip.append("--upgrade")
    subprocess.run([*pip, *REQUIREMENTS], check=True)
    found = versions(python)
    marker.write_text(json.dumps({"requirements": REQUIREMENTS, "versions": found,
                                  "python": sys.version.split()[0]}, indent=1))
    emit({"version": found["django-helpdesk"], "versions": found, "venv": str(venv),
          "installed_now": True, "seconds": round(time.monotonic() - started, 1)})


# ----------------------------------------------------------------------------- setup

def recreate_postgres(name: str) -> None:
    import psycopg
    from psycopg import sql

    conninfo = {"host": os.environ.get("PEER_PG_HOST", "127.0.0.1"),
                "port": os.environ.get("PEER_PG_PORT", "5432"),
                "user": os.environ.get("PEER_PG_USER", "root"),
                "password": os.environ.get("PEER_PG_PASSWORD", "") or None}
    with psycopg.connect(dbname="postgres", autocommit=True, **conninfo) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
            sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def cmd_setup(args: argparse.Namespace) -> None:
    import secrets

    started = time.monotonic()
    home: Path = args.home
    cfg = home_config(args)
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.json").write_text(json.dumps(cfg))
    for stale in ("media", "maildir", "mail-failed", "mail-retry"):
        shutil.rmtree(home / stale, ignore_errors=True)
    (home / "ingest_marks.json").unlink(missing_ok=True)
    if cfg["db"] == "postgres":
        recreate_postgres(cfg["pg_db"])
    else:
        for suffix in ("", "-wal", "-shm"):
            (home / f"db.sqlite3{suffix}").unlink(missing_ok=True)
    (home / "maildir").mkdir()
    django_setup(args)

    from django.contrib.auth import get_user_model
    from django.contrib.sites.models import Site
    from django.core.management import call_command
    from helpdesk.models import Queue

    call_command("migrate", interactive=False, verbosity=0)
    # The install guide's step: the e-mail templates, without which nothing is sent.
    call_command("loaddata", "emailtemplate.json", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    Site.objects.update_or_create(pk=1, defaults={"domain": "127.0.0.1", "name": "peer"})
    password = secrets.token_urlsafe(12)
    get_user_model().objects.create_superuser(USERNAME, EMAIL, password)
    Queue.objects.create(title="Support", slug=SUPPORT_QUEUE, email_address=MAIL_ADDRESS,
                         allow_email_submission=False)
    Queue.objects.create(
        title="Mail import", slug=MAIL_QUEUE, email_address=MAIL_ADDRESS,
        allow_email_submission=True, email_box_type="local",
        email_box_local_dir=str(home / "maildir"), email_box_interval=0,
        # "none" would strip every handler off the queue's logger; errors only, to stderr
        # of nobody, lets ingest see why a message was refused.
        logging_type="error")
    creds = {"username": USERNAME, "password": password, "email": EMAIL}
    (home / "credentials.json").write_text(json.dumps(creds))
    emit({**creds, "db": cfg["db"], "pg_db": cfg["pg_db"] if cfg["db"] == "postgres" else None,
          "home": str(home), "seconds": round(time.monotonic() - started, 1)})


# ----------------------------------------------------------------------------- load

class Loader:
    """Raw inserts (COPY on PostgreSQL, executemany on SQLite): no model save(), no signals,
    and Ticket.created / modified keep Helpwire's dates (the model has auto_now_add /
    auto_now, which bulk_create would overwrite with the load time)."""

    TICKET = ["id", "title", "queue_id", "created", "modified", "submitter_email",
              "assigned_to_id", "status", "on_hold", "description", "resolution", "priority",
              "secret_key"]
    FOLLOWUP = ["ticket_id", "date", "title", "comment", "public", "user_id"]

    def __init__(self) -> None:
        from django.db import connection
        from helpdesk.models import FollowUp, Ticket

        self.connection = connection
        self.pg = connection.vendor == "postgresql"
        self.ticket_cols, self.ticket_extra = self._plan(Ticket, self.TICKET)
        self.followup_cols, self.followup_extra = self._plan(FollowUp, self.FOLLOWUP)
        self.ticket_table = Ticket._meta.db_table
        self.no_triggers = self.pg and self._superuser()
        self.followup_table = FollowUp._meta.db_table

    def _superuser(self) -> bool:
        with self.connection.cursor() as cur:
            cur.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            row = cur.fetchone()
        return bool(row and row[0])

    def _plan(self, model: Any, given: list[str]) -> tuple[list[str], list[Any]]:
        """The columns to write: ours, then every other one at its (constant) default."""
        fields = {f.attname: f for f in model._meta.concrete_fields}
        cols = [fields[name].column for name in given]
        extra = []
        for name, field in fields.items():
            if name in given or name == "id":
                continue
            if field.has_default() and callable(field.default):
                fail(f"{model.__name__}.{name} has a per-row default: the loader must set it")
            if not field.null and not field.has_default():
                fail(f"{model.__name__}.{name} is required: the loader must set it")
            cols.append(field.column)
            extra.append(field.get_db_prep_save(field.get_default(), self.connection))
        return cols, extra

    def when(self, iso: str) -> str:
        if self.pg:
            return iso  # timestamptz takes the ISO form as it is
        from datetime import UTC, datetime
        value = datetime.fromisoformat(iso).astimezone(UTC).replace(tzinfo=None)
        return value.isoformat(" ")  # how Django's SQLite backend stores datetimes

    def write(self, tickets: list[tuple], followups: list[tuple]) -> None:
        from django.db import transaction

        tickets = [t + tuple(self.ticket_extra) for t in tickets]
        followups = [f + tuple(self.followup_extra) for f in followups]
        with transaction.atomic():
            raw = self.connection.connection
            if self.pg:
                with raw.cursor() as cur:
                    if self.no_triggers:
                        # Foreign keys are right by construction; their per-row triggers
                        # are most of COPY's cost.
                        cur.execute("SET LOCAL session_replication_role = replica")
                    for table, cols, rows in ((self.ticket_table, self.ticket_cols, tickets),
                                              (self.followup_table, self.followup_cols,
                                               followups)):
                        with cur.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as cp:
                            for row in rows:
                                cp.write_row(row)
            else:
                for table, cols, rows in ((self.ticket_table, self.ticket_cols, tickets),
                                          (self.followup_table, self.followup_cols, followups)):
                    marks = ", ".join("?" * len(cols))
                    raw.executemany(
                        f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({marks})",  # noqa: S608
                        rows)  # (table and columns come from the models, values are bound)

    def finish(self) -> None:
        from django.core.management.color import no_style
        from helpdesk.models import FollowUp, Ticket

        with self.connection.cursor() as cur:
            for statement in self.connection.ops.sequence_reset_sql(no_style(),
                                                                     [Ticket, FollowUp]):
                cur.execute(statement)
            cur.execute("ANALYZE")


def clean(text: str | None, limit: int | None = None) -> str:
    text = (text or "").replace("\x00", "")
    return text[:limit] if limit else text


def cmd_load(args: argparse.Namespace) -> None:
    import uuid

    from tqdm import tqdm

    source: Path = args.source
    if not source.exists():
        fail(f"{source} does not exist")
    django_setup(args)
    from django.contrib.auth import get_user_model
    from django.db import connection
    from helpdesk.models import Queue, Ticket

    if Ticket.objects.exists():
        fail("the peer already has tickets: run `setup` again before `load`")
    staff = get_user_model().objects.get(username=USERNAME).pk
    queue = Queue.objects.get(slug=SUPPORT_QUEUE).pk
    loader = Loader()
    if not loader.pg:
        connection.ensure_connection()
        connection.connection.execute("PRAGMA synchronous=OFF")
    started = time.monotonic()
    n_tickets = n_followups = 0
    tickets: list[tuple] = []
    followups: list[tuple] = []
    bar = tqdm(total=source.stat().st_size, unit="B", unit_scale=True, desc="load",
               file=sys.stderr, mininterval=1)
    with source.open("rb") as fh:
        for line in fh:
            bar.update(len(line))
            if not line.strip():
                continue
            t = json.loads(line)
            status, on_hold = STATUS.get(t["status"], (1, False))
            messages = t.get("messages") or []
            first = next((m for m in messages if m["kind"] == "client"),
                         messages[0] if messages else None)
            resolution = None
            if status in (3, 4):  # resolving through the form stores the comment here
                answer = next((m for m in reversed(messages) if m["kind"] == "agent"), None)
                resolution = clean(answer["body"]) if answer else None
            title = clean(t["subject"]) or "(no subject)"
            if len(title) > 200:
                title = title[:197] + "..."  # what Ticket.save() does
            email = clean(t.get("client_email"), 254)
            tickets.append((
                t["id"], title, queue, loader.when(t["created_at"]),
                loader.when(t["updated_at"]), email, staff if t.get("assigned") else None,
                status, on_hold, clean(first["body"]) if first else "", resolution,
                PRIORITY.get(t.get("priority"), 3), str(uuid.uuid4()),
            ))
            for m in messages:
                client = m["kind"] == "client"
                followups.append((
                    t["id"], loader.when(m["created_at"]),
                    f"E-Mail Received from {email}"[:200] if client else "Comment",
                    clean(m["body"]), m["kind"] != "note", None if client else staff,
                ))
            n_tickets += 1
            n_followups += len(messages)
            if len(tickets) >= args.batch:
                loader.write(tickets, followups)
                tickets, followups = [], []
                bar.set_postfix_str(f"{n_tickets:,} tickets", refresh=False)
    if tickets:
        loader.write(tickets, followups)
    bar.close()
    loader.finish()
    seconds = time.monotonic() - started
    emit({"tickets": n_tickets, "followups": n_followups, "seconds": round(seconds, 2),
          "rate": round(n_tickets / seconds, 1) if seconds else None,
          "db": connection.vendor})


# ----------------------------------------------------------------------------- serve

def cmd_serve(args: argparse.Namespace) -> None:
    gunicorn = args.venv / "bin" / "gunicorn"
    if not gunicorn.exists():
        fail(f"no gunicorn in {args.venv}: run install first")
    credentials(args.home)  # refuse to serve a home that was never set up
    cmd = [str(gunicorn), "peer_site.wsgi:application", "--chdir", str(ROOT),
           "--bind", f"127.0.0.1:{args.port}", "--workers", str(args.workers),
           "--worker-class", "sync", "--timeout", "300", "--graceful-timeout", "5",
           "--log-level", "warning"]
    os.execve(str(gunicorn), cmd, peer_env(args))  # noqa: S606 - a fixed program, no shell


# ----------------------------------------------------------------------------- urls

def urls(args: argparse.Namespace) -> dict[str, Any]:
    creds = credentials(args.home)
    out: dict[str, Any] = {
        "login": "/login/",
        "username": creds["username"],
        "password": creds["password"],
        "list": "/tickets/",
        "list_rows": rows_path(LIST_QUERY),
        "list_deep": rows_path(LIST_QUERY, DEEP_PAGE),
        "ticket": "/tickets/{id}/",
        "search": SEARCH,
        "search_rows": "/datatables_ticket_list/{q_b64}?draw=1&start=0&length=25",
        "q_b64": "base64 (standard alphabet, padded) of json.dumps(search_rows_query) with "
                 "search_string set to q, put in the path as it is",
        "search_rows_query": search_query("{q}"),
        "search_all": SEARCH_ALL,
        "search_all_rows_query": search_query("{q}", every_status=True),
        "notes": (
            "list and search are HTML shells: their rows come from list_rows / search_rows "
            "(a DataTables JSON endpoint the page calls at once), so a person waits for both. "
            "{q} in search / search_all is URL-encoded; search is the header search box "
            "(open, reopened and resolved tickets), search_all a bare ?q= (every status). "
            f"The list pages only through that endpoint (start=(page-1)*{PAGE}); list_deep is "
            f"page {DEEP_PAGE}. Login is Django's form: GET login, POST username, password "
            "and csrfmiddlewaretoken with the csrftoken cookie."),
    }
    if args.q:
        out["search_rows_for_q"] = rows_path(search_query(args.q))
        out["search_all_rows_for_q"] = rows_path(search_query(args.q, every_status=True))
    return out


def cmd_urls(args: argparse.Namespace) -> None:
    emit(urls(args))


# ----------------------------------------------------------------------------- check

def cmd_check(args: argparse.Namespace) -> None:
    import http.cookiejar
    import urllib.error
    import urllib.parse
    import urllib.request

    base = f"http://127.0.0.1:{args.port}"
    u = urls(args)
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))

    def get(path: str, data: dict[str, str] | None = None) -> tuple[int, bytes, float]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(base + path, data=body)  # noqa: S310 - http://127.0.0.1
        started = time.perf_counter()
        try:
            with opener.open(request, timeout=300) as resp:
                content, status = resp.read(), resp.status
        except urllib.error.HTTPError as err:
            content, status = err.read(), err.code
        return status, content, (time.perf_counter() - started) * 1000

    results: list[dict[str, Any]] = []

    def record(name: str, path: str, status: int, content: bytes, ms: float, ok: bool,
               **extra: Any) -> None:
        row = {"name": name, "path": path, "status": status, "ms": round(ms, 1),
               "bytes": len(content), "ok": bool(ok and status == 200), **extra}
        results.append(row)
        emit(row)

    status, page, ms = get(u["login"])
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    if status != 200 or not token:
        fail(f"login page: HTTP {status}, no CSRF token")
    status, page, ms = get(u["login"], {
        "username": u["username"], "password": u["password"],
        "csrfmiddlewaretoken": token.group(1).decode(), "next": u["list"]})
    logged_in = any(c.name == "sessionid" for c in jar)
    record("login", u["login"], status, page, ms, logged_in)
    if not logged_in:
        fail("login failed")

    def ajax_path(html: bytes) -> str | None:
        found = re.search(rb'"url": "(/datatables_ticket_list/[^"]*)"', html)
        return found.group(1).decode() if found else None

    status, page, ms = get(u["list"])
    record("list", u["list"], status, page, ms, b"ticketTable" in page,
           rows_endpoint_matches=ajax_path(page) == u["list_rows"].split("?")[0])
    rows: dict[str, Any] = {}
    for name in ("list_rows", "list_deep"):
        status, content, ms = get(u[name])
        data = json.loads(content) if status == 200 else {}
        rows = rows or data
        # A deep page is empty, rightly, when there are fewer open tickets than it starts at.
        full = bool(data.get("data")) or (name == "list_deep"
                                          and data.get("recordsTotal", 0) <= PAGE * (DEEP_PAGE - 1))
        record(name, u[name], status, content, ms, "data" in data and full,
               rows=len(data.get("data", [])), records_total=data.get("recordsTotal"))
    if not rows.get("data"):
        fail("the list has no rows: load tickets first")
    first = rows["data"][0]
    path = u["ticket"].format(id=first["id"])
    status, page, ms = get(path)
    title = first["title"].replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    record("ticket", path, status, page, ms, title.encode() in page)
    q = args.q or max(re.findall(r"\w{4,}", first["title"]) or ["a"], key=len)
    for name, every in (("search", False), ("search_all", True)):
        path = u[name].format(q=urllib.parse.quote(q))
        status, page, ms = get(path)
        rows_for_q = rows_path(search_query(q, every_status=every))
        record(name, path, status, page, ms, b"ticketTable" in page, q=q,
               rows_endpoint_matches=ajax_path(page) == rows_for_q.split("?")[0])
        status, content, ms = get(rows_for_q)
        data = json.loads(content) if status == 200 else {}
        found = bool(data.get("data")) or args.q is not None  # our own word must be found
        record(f"{name}_rows", rows_for_q, status, content, ms, "data" in data and found, q=q,
               records_filtered=data.get("recordsFiltered"))
    ok = all(r["ok"] for r in results) and all(
        r.get("rows_endpoint_matches", True) for r in results)
    emit({"ok": ok, "checked": len(results)})
    if not ok:
        raise SystemExit(1)


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


# ----------------------------------------------------------------------------- main

def parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--home", type=Path, default=DEFAULT_HOME,
                        help="the peer's state dir (default benchmarks/.work/peer)")
    common.add_argument("--db", choices=("sqlite", "postgres"), default=None,
                        help="database (default: what setup chose for this home, else sqlite)")
    common.add_argument("--pg-db", default=None, help="PostgreSQL database (peer_bench)")
    common.add_argument("--venv", type=Path, default=DEFAULT_VENV,
                        help="the peer's virtualenv (default benchmarks/peer/.venv)")
    top = argparse.ArgumentParser(description="django-helpdesk as a benchmark peer")
    sub = top.add_subparsers(dest="command", required=True)
    p = sub.add_parser("install", parents=[common], help="create the venv, pip install")
    p.add_argument("--upgrade", action="store_true", help="pip install --upgrade again")
    sub.add_parser("setup", parents=[common], help="recreate the database, user and queues")
    p = sub.add_parser("load", parents=[common], help="bulk-load export_tickets.py output")
    p.add_argument("--from", dest="source", type=Path, required=True)
    p.add_argument("--batch", type=int, default=10_000, help="tickets per transaction")
    p = sub.add_parser("serve", parents=[common], help="gunicorn in the foreground")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--workers", type=int, default=2)
    p = sub.add_parser("urls", parents=[common], help="the paths the harness times")
    p.add_argument("--q", default=None, help="also give search_rows for this word")
    p = sub.add_parser("check", parents=[common], help="log in and fetch every URL once")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--q", default=None, help="the search word (default: from a title)")
    p = sub.add_parser("ingest", parents=[common], help="import DIR/*.eml with get_email")
    p.add_argument("--corpus", type=Path, required=True)
    p.add_argument("--batch", type=int, default=1,
                   help="messages put in the directory per get_email run: 1 keeps the "
                        "corpus order (replies after what they answer), 0 puts all at once")
    p.add_argument("--reader", choices=("get_email", "imap"), default="get_email",
                   help="get_email: the management command on a local-directory queue "
                        "(default); imap: each file through what imap_sync does per message")
    p = sub.add_parser("export-ingested", parents=[common], help="what ingest stored")
    p.add_argument("--out", type=Path, required=True)
    return top


def main() -> None:
    args = parser().parse_args()
    args.home = args.home.resolve()
    args.venv = args.venv.absolute()
    if args.command in NEEDS_DJANGO and not in_venv(args.venv):
        reexec_in_venv(args)
    {"install": cmd_install, "setup": cmd_setup, "load": cmd_load, "serve": cmd_serve,
     "urls": cmd_urls, "check": cmd_check, "ingest": cmd_ingest,
     "export-ingested": cmd_export_ingested}[args.command](args)


if __name__ == "__main__":
    main()
