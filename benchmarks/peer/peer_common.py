"""What the peer's modules share [#11]: paths, names and constants, ``emit`` and ``fail``,
the peer's environment (the home's --db / --pg-db, the venv check, Django setup), the staff
login ``setup`` saved, and the ticket-list URLs django-helpdesk builds.

The script is peer.py (install, setup, serve, urls, check, the command line); peer_load.py
holds ``load`` and peer_ingest.py ``ingest`` and ``export-ingested``. All three import this
module by its plain name: peer.py's folder is first on sys.path when it runs as a script.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent
REPO = ROOT.parents[1]
DEFAULT_HOME = REPO / "benchmarks" / ".work" / "peer"
DEFAULT_VENV = ROOT / ".venv"

USERNAME = "bench"
EMAIL = "bench@peer.localhost"
SUPPORT_QUEUE = "support"  # the tickets loaded from Helpwire
MAIL_QUEUE = "mail"  # the queue ``ingest`` feeds through get_email
MAIL_ADDRESS = "support@bench.helpwire.local"
PAGE = 25  # django-helpdesk's default tickets_per_page
DEEP_PAGE = 20


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
