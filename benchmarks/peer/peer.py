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

This is the script and the command line, with install, setup, serve, urls and check; ``load``
is in peer_load.py, ``ingest`` and ``export-ingested`` in peer_ingest.py, and what they share
in peer_common.py (all beside this file, imported by their plain names; nothing imports peer).
See README.md beside this file.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from peer_common import (
    DEEP_PAGE,
    DEFAULT_HOME,
    DEFAULT_VENV,
    EMAIL,
    LIST_QUERY,
    MAIL_ADDRESS,
    MAIL_QUEUE,
    PAGE,
    ROOT,
    SEARCH,
    SEARCH_ALL,
    SUPPORT_QUEUE,
    USERNAME,
    credentials,
    django_setup,
    emit,
    fail,
    home_config,
    in_venv,
    peer_env,
    rows_path,
    search_query,
)
from peer_ingest import cmd_export_ingested, cmd_ingest
from peer_load import cmd_load

REQUIREMENTS = ["django-helpdesk", "gunicorn", "psycopg[binary]", "whitenoise", "tqdm"]
VERSIONED = ["django-helpdesk", "Django", "gunicorn", "psycopg", "whitenoise"]
NEEDS_DJANGO = {"setup", "load", "ingest", "export-ingested"}


# ----------------------------------------------------------------------------- plumbing

# Here, not in peer_common: it re-runs this file (``__file__``), the script.
def reexec_in_venv(args: argparse.Namespace) -> None:
    python = args.venv / "bin" / "python"
    if not python.exists():
        fail(f"no peer venv at {args.venv}: run `python3 {Path(__file__).name} install` first")
    argv = [str(python), str(Path(__file__).resolve()), *sys.argv[1:]]
    os.execve(str(python), argv, peer_env(args))  # noqa: S606 - a fixed program, no shell


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
