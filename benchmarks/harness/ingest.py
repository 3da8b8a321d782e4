"""Workload 1: email ingest of the generated corpus — through ``helpwire mail deliver``, one
process per message as an MTA runs it (start-up included), and through the batched path (one
IMAP poll of a Dovecot folder holding the rest of the corpus); then what was lost or
garbled, checked against the corpus manifest. With ``--peer``, django-helpdesk imports the
same corpus from a local directory."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from harness import data
from harness.common import PYTHON, ROOT, WORK, Target
from tqdm import tqdm

# The test suite's private Dovecot (its own config, ports and folders).
from tests.mail.servers import DovecotServer, TlsCert, require_dovecot

# Messages through one process each (bounded: each pays Django's start-up) and in all;
# the environment can shrink both for a quick try of the harness itself.
PIPE_SAMPLE = int(os.environ.get("BENCH_PIPE_SAMPLE", "300"))
PIPE_CONCURRENCY = 2  # an MTA delivers a few at a time
COUNT = int(os.environ.get("BENCH_CORPUS", "5000"))

CHECK_CODE = """
import hashlib, json, sys
from helpwire.tickets.models import Attachment, Message
manifest = json.load(open(%r))['messages']
def norm(s): return ' '.join(s.split())
ids = [m['message_id'].strip('<>') for m in manifest]
rows = {}
wanted = ids + ['<%%s>' %% i for i in ids]
found = Message.objects.filter(external_id__in=wanted)
for pk, ext, text in found.values_list('pk', 'external_id', 'body_text'):
    rows.setdefault(ext.strip('<>'), []).append((pk, text))
files = {}
for a in Attachment.objects.filter(message_id__in=[r[0] for v in rows.values() for r in v]):
    with a.file.open('rb') as f:
        files.setdefault(a.message_id, set()).add(hashlib.sha256(f.read()).hexdigest())
out = {'messages': len(manifest), 'stored': 0, 'missing': 0, 'twice': 0, 'body_differs': 0,
       'attachments': 0, 'attachments_lost': 0}
for m in manifest:
    got = rows.get(m['message_id'].strip('<>'), [])
    if not got:
        out['missing'] += 1
        continue
    out['stored'] += 1
    out['twice'] += len(got) > 1
    pk, text = got[0]
    if norm(m['body']) not in norm(text):
        out['body_differs'] += 1
    want = {a['sha256'] for a in m['attachments']}
    out['attachments'] += len(want)
    out['attachments_lost'] += len(want - files.get(pk, set()))
print(json.dumps(out))
"""


def corpus(seed: int) -> Path:
    folder = WORK / "corpus" / str(seed)
    if not (folder / "manifest.json").exists():
        subprocess.run([str(PYTHON), str(ROOT / "benchmarks" / "corpus.py"), "--out",
                        str(folder), "--count", str(COUNT), "--seed", str(seed)], check=True)
    return folder


def _split(folder: Path, first: int) -> tuple[list[Path], list[Path]]:
    files = sorted(folder.glob("*.eml"))
    return files[:first], files[first:]


def _deliver(t: Target, path: Path) -> tuple[float, int]:
    began = time.perf_counter()
    with path.open("rb") as stdin:
        out = subprocess.run([str(PYTHON), "-m", "helpwire", "mail", "deliver", "--mailbox",
                              data.MAILBOX], stdin=stdin, env=t.env(), capture_output=True)
    return time.perf_counter() - began, out.returncode


def _tls(folder: Path) -> tuple[Path, Path]:
    cert, key = folder / "cert.pem", folder / "key.pem"
    if not cert.exists():
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:prime256v1", "-nodes", "-days", "30", "-subj",
                        "/CN=localhost", "-keyout", str(key), "-out", str(cert)],
                       check=True, capture_output=True)
    return cert, key


def _imap(t: Target, files: list[Path], seed: int) -> dict[str, Any]:
    cert, key = _tls(WORK)
    server = DovecotServer(require_dovecot(), cert=TlsCert(cert, key))
    server.start()
    try:
        user = server.new_user(f"bench{seed}")
        with server.connect(user.login) as conn:
            for path in tqdm(files, desc="Filling the IMAP folder", unit="msg"):
                conn.append("INBOX", None, None, path.read_bytes())
        address = f"imap{seed}@bench.helpwire.local"
        t.helpwire("mailbox", "create", "--address", address, "--imap-host", "127.0.0.1",
                   "--imap-port", str(server.port), "--imap-security", "none",
                   "--imap-user", user.login, "--imap-password", user.password)
        began = time.perf_counter()
        out = t.helpwire("mail", "poll", "--mailbox", address, timeout=3600)
        seconds = time.perf_counter() - began
    finally:
        server.stop()
    return {"messages": len(files), "seconds": round(seconds, 1),
            "per_s": round(len(files) / seconds, 1), "poll": out.stdout.strip()[-200:]}


def helpwire_ingest(t: Target, *, seed: int) -> dict[str, Any]:
    folder = corpus(seed)
    piped, batched = _split(folder, PIPE_SAMPLE)
    timings: list[float] = []
    failed = 0
    began = time.perf_counter()
    with ThreadPoolExecutor(PIPE_CONCURRENCY) as pool, \
            tqdm(total=len(piped), desc="mail deliver, a process each", unit="msg") as bar:
        for seconds, code in pool.map(lambda p: _deliver(t, p), piped):
            timings.append(seconds)
            failed += code != 0
            bar.update()
    wall = time.perf_counter() - began
    pipe = {"messages": len(piped), "concurrency": PIPE_CONCURRENCY, "failed": failed,
            "per_s": round(len(piped) / wall, 1),
            "process_ms": round(sum(timings) / len(timings) * 1000)}
    imap = _imap(t, batched, seed)
    check = t.python_json(CHECK_CODE % str(folder / "manifest.json"))
    return {"pipe": pipe, "imap": imap, "check": check}


def peer_ingest(t: Target, *, seed: int) -> dict[str, Any]:
    folder = corpus(seed)
    result = data.last_json(data.peer(t, "ingest", "--corpus", str(folder)))
    report = WORK / "logs" / f"peer-ingested-{t.name}-{seed}.json"
    data.peer(t, "export-ingested", "--out", str(report))
    stored = json.loads(report.read_text())
    return {**result, "check": compare(folder / "manifest.json", stored)}


def compare(manifest_path: Path, stored: list[dict[str, Any]]) -> dict[str, int]:
    """Bodies and attachments of the corpus that an import lost or altered."""
    def norm(s: str) -> str:
        return " ".join((s or "").split())

    manifest = json.loads(manifest_path.read_text())["messages"]
    texts = [norm(s.get("body", "")) for s in stored]
    digests = {a["sha256"] for s in stored for a in s.get("attachments", [])}
    by_id = {(s.get("message_id") or "").strip("<>"): s for s in stored if s.get("message_id")}
    out = {"messages": len(manifest), "stored": len(stored), "body_differs": 0,
           "attachments": 0, "attachments_lost": 0}
    joined = "\n".join(texts)
    for m in manifest:
        own = by_id.get(m["message_id"].strip("<>"))
        body = norm(m["body"])
        if not (own and body in norm(own.get("body", ""))) and body not in joined:
            out["body_differs"] += 1
        out["attachments"] += len(m["attachments"])
        out["attachments_lost"] += sum(a["sha256"] not in digests for a in m["attachments"])
    return out


def clean_corpus(seed: int) -> None:
    shutil.rmtree(WORK / "corpus" / str(seed), ignore_errors=True)
