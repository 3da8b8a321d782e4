"""The datasets: a Helpwire database per (size, engine) loaded by ``helpwire demo``, and the
same tickets loaded into the peer. Both are kept between runs (a marker file says what is
loaded), so a later run resumes instead of loading again."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from harness.common import MAILBOX, PG, PYTHON, ROOT, WORK, Target, label

PEER = ROOT / "benchmarks" / "peer" / "peer.py"
# The demo team's agents share one password (kept in DATA_DIR/demo-login.txt).
AGENT_CODE = """
import json
from helpwire.accounts.models import Agent
from helpwire.demo.loader import ensure_login
from helpwire.tickets.models import Status, Ticket
from django.db.models import Count, Q
line = ensure_login()
active = [Status.NEW, Status.OPEN, Status.PENDING, Status.ON_HOLD]
agent = (Agent.objects.filter(is_active=True, email__endswith='@helpwire.local')
         .annotate(n=Count('assigned_tickets', filter=Q(assigned_tickets__status__in=active)))
         .order_by('-n').first())
admin = Agent.objects.get(email='admin@helpwire.local')
print(json.dumps({'email': agent.email, 'open': agent.n, 'password': line.rsplit(' ', 1)[1],
                  'admin': admin.email, 'tickets': Ticket.objects.count()}))
"""


def _psql(sql: str) -> None:
    subprocess.run(["psql", f"{PG}/postgres", "-qc", sql], check=True,
                   capture_output=True)


def ensure_helpwire(t: Target) -> dict[str, Any]:
    marker = t.data_dir / "bench.json"
    if marker.exists():
        return dict(json.loads(marker.read_text()))
    print(f"· loading Helpwire {t.name}: helpwire demo --tickets {t.size - 2000}", flush=True)
    if t.db == "postgres":
        _psql(f"DROP DATABASE IF EXISTS {t.pg_name} WITH (FORCE)")
        _psql(f"CREATE DATABASE {t.pg_name}")
    shutil.rmtree(t.data_dir, ignore_errors=True)
    t.data_dir.mkdir(parents=True)
    began = time.monotonic()
    # Not captured: the loader's progress bars go to the terminal.
    # The report figures are left to the `reports` workload, which times their rebuild.
    subprocess.run([str(PYTHON), "-m", "helpwire", "demo", "--tickets", str(t.size - 2000),
                    "--without-report-figures"],
                   env=t.env(), cwd=ROOT, check=True, stdout=sys.stderr)
    seconds = time.monotonic() - began
    t.helpwire("mailbox", "create", "--address", MAILBOX, "--name", "Bench")
    info = {**t.python_json(AGENT_CODE), "load_seconds": round(seconds, 1)}
    marker.write_text(json.dumps(info))
    return info


def agent(t: Target) -> dict[str, Any]:
    return dict(json.loads((t.data_dir / "bench.json").read_text()))


# --- the peer ----------------------------------------------------------------------------

def peer_home(t: Target) -> Path:
    return WORK / "peer" / t.name


def peer_args(t: Target) -> list[str]:
    return ["--home", str(peer_home(t)), "--db", t.db,
            "--pg-db", f"peerbench_{label(t.size).lower()}"]


def peer(t: Target, *args: str, capture: bool = True) -> str:
    cmd = ["python3", str(PEER), args[0], *peer_args(t), *args[1:]]
    out = subprocess.run(cmd, cwd=ROOT, capture_output=capture, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"peer {' '.join(args)} failed:\n{(out.stderr or '')[-3000:]}")
    return out.stdout or ""


def last_json(text: str) -> Any:
    lines = [line for line in text.strip().splitlines() if line.startswith(("{", "["))]
    return json.loads(lines[-1])


def ensure_peer(t: Target) -> dict[str, Any]:
    marker = peer_home(t) / "bench.json"
    if marker.exists():
        return dict(json.loads(marker.read_text()))
    ensure_helpwire(t)
    peer_home(t).mkdir(parents=True, exist_ok=True)
    version = last_json(peer(t, "install"))["version"]
    export = WORK / "data" / f"export-{t.name}.jsonl"
    if not export.exists():
        print(f"· exporting Helpwire {t.name} for the peer", flush=True)
        subprocess.run([str(PYTHON), str(ROOT / "benchmarks" / "export_tickets.py"),
                        "--out", str(export) + ".part"], env=t.env(), cwd=ROOT, check=True,
                       stdout=sys.stderr)
        Path(str(export) + ".part").rename(export)
    print(f"· loading the peer {t.name}", flush=True)
    creds = last_json(peer(t, "setup"))
    loaded = last_json(peer(t, "load", "--from", str(export), capture=True))
    info = {"version": version, **creds, **loaded}
    marker.write_text(json.dumps(info))
    return info
