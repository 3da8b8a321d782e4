"""Workloads 2 and 3: the agent's queue (page 1 and a deep page), the ticket page, the API
list (page 1 and 21) and search, over HTTP on loopback as a logged-in agent — Helpwire and,
with ``--peer``, django-helpdesk at the same size."""

from __future__ import annotations

import html
import json
import os
import re
import urllib.parse
from typing import Any

from harness import data
from harness.common import PYTHON, ROOT, WORK, Target
from harness.http import Client, background, free_port

RUNS = 60
PEER_RUNS_1M = 20
DEEP = 20  # the deep page: the 20th page of 50 rows
HTMX = {"HX-Request": "true"}
ABSENT = "ксилофонщик"

# Words by class, picked from the loaded data (and their number of matching tickets).
WORDS_CODE = """
import json, random
from helpwire.tickets.models import Message, Ticket
import pymorphy3
rng = random.Random(7)
top = Ticket.objects.order_by('-pk').values_list('pk', flat=True).first()
ids = [rng.randint(1, top) for _ in range(400)]
seen = {}
for tid, text in Message.objects.filter(ticket_id__in=ids).values_list('ticket_id', 'body_text'):
    for w in text.lower().replace(',', ' ').replace('.', ' ').split():
        if len(w) > 5 and all('а' <= c <= 'я' or c == 'ё' for c in w):
            seen.setdefault(w, set()).add(tid)
ranked = sorted(((w, len(t)) for w, t in seen.items()), key=lambda kv: (-kv[1], kv[0]))
n = len(set(ids))
half = min(ranked, key=lambda kv: abs(kv[1] / n - 0.5))[0]
morph = pymorphy3.MorphAnalyzer()
def noun(w):
    return 'NOUN' in morph.parse(w)[0].tag
def forms_of(w):
    return [f.word for f in morph.parse(w)[0].lexeme if f.word != w and len(f.word) > 4]
# A noun with other forms to search by ("Алматы" has none).
near = sorted((kv for kv in ranked if kv[1] >= 2), key=lambda kv: abs(kv[1] / n - 0.02))
one = next((w for w, k in near[:60] if noun(w) and forms_of(w)), near[0][0])
forms = forms_of(one)
from django.db import connection
from helpwire.search import backends
from helpwire.search.normalize import query_groups
def frequency(word):
    groups = query_groups(word)
    with connection.cursor() as cursor:
        if connection.vendor == 'sqlite':
            cursor.execute(f"SELECT count(*) FROM {backends.FTS} WHERE {backends.FTS} MATCH %s",
                           [backends.fts5_expression(groups)])
        else:
            cursor.execute(f"SELECT count(*) FROM {backends.TABLE} "
                           "WHERE tsv @@ to_tsquery('simple', %s)",
                           [backends.tsquery_expression(groups)])
        return cursor.fetchone()[0]
# Rare in the whole index, not only in the sample: at most three tickets.
once = [w for w, k in ranked if k == 1]
rng.shuffle(once)
rare = next((w for w in once[:80] if frequency(w) <= 3), once[0] if once else one)
print(json.dumps({'rare': rare, '~1%': one, '~50%': half,
                  'inflected': forms[len(forms) // 2] if forms else one, 'absent': 'ABSENT'},
                 ensure_ascii=False))
""".replace("ABSENT", ABSENT)


def _deep_rows(client: Client, base: str, pages: int) -> tuple[str, int]:
    """The rows-partial URL of page ``pages`` of a list (following its next-page links), and
    the page reached when the list is shorter."""
    url, reached = base, 1
    _status, body = client.get(url)
    for _ in range(pages - 1):
        match = re.search(rb'hx-get="([^"]*cursor=[^"]*)"', body)
        if not match:
            break
        url = html.unescape(match.group(1).decode())
        _status, body = client.get(url, HTMX)
        reached += 1
    return url, reached


def _api_deep(client: Client, token: str, pages: int) -> tuple[str, int]:
    headers = {"Authorization": f"Bearer {token}"}
    url, reached = "/api/v1/tickets?limit=50", 1
    for _ in range(pages - 1):
        _status, body = client.get(url, headers)
        cursor = json.loads(body).get("next_cursor")
        if not cursor:
            break
        url = "/api/v1/tickets?limit=50&cursor=" + urllib.parse.quote(cursor)
        reached += 1
    return url, reached


def words(t: Target) -> dict[str, str]:
    cache = t.data_dir / "words.json"
    if not cache.exists():
        cache.write_text(json.dumps(t.python_json(WORDS_CODE), ensure_ascii=False))
    return dict(json.loads(cache.read_text()))


def token(t: Target) -> str:
    cache = t.data_dir / "token.txt"
    if not cache.exists():
        who = data.agent(t)["admin"]
        out = t.helpwire("token", "create", "--email", who, "--name", "bench")
        cache.write_text(out.stdout.strip().splitlines()[-1])
    return cache.read_text().strip()


def helpwire_pages(t: Target, *, search: bool, runs: int = RUNS) -> dict[str, Any]:
    info = data.agent(t)
    port = free_port()
    log = WORK / "logs" / f"web-{t.name}.log"
    env = t.env()
    cmd = [str(PYTHON), "-m", "helpwire", "web", "--port", str(port), "--workers", "1"]
    out: dict[str, Any] = {"tickets": info["tickets"], "agent_open": info["open"]}
    with background(cmd, env=env, log=log, port=port, ready_path="/healthz"):
        client = Client(port)
        client.login("/login/", info["email"], info["password"])
        if search:
            for kind, word in words(t).items():
                q = urllib.parse.quote(word)
                out[f"search {kind}"] = {"word": word, **client.time([f"/search/?q={q}"],
                                                                       runs=runs // 2)}
            return out
        out["queue p1"] = client.time(["/queues/mine/"], runs=runs)
        deep, reached = _deep_rows(client, "/queues/solved/", DEEP)
        out["queue p1 rows"] = client.time(["/queues/solved/?partial=rows"], runs=runs,
                                           headers=HTMX)
        out[f"queue p{reached} rows"] = client.time([deep], runs=runs, headers=HTMX)
        _status, body = client.get("/queues/mine/")
        ids = [int(i) for i in dict.fromkeys(re.findall(rb'href="/tickets/(\d+)/"', body))][:20]
        (t.data_dir / "ticket_ids.json").write_text(json.dumps(ids))
        out["ticket page"] = client.time([f"/tickets/{i}/" for i in ids], runs=runs)
        api = Client(port)
        headers = {"Authorization": f"Bearer {token(t)}"}
        out["api list p1"] = api.time(["/api/v1/tickets?limit=50"], runs=runs, headers=headers)
        deep_api, reached = _api_deep(api, token(t), DEEP + 1)
        out[f"api list p{reached}"] = api.time([deep_api], runs=runs, headers=headers)
    return out


def peer_pages(t: Target, *, search: bool, runs: int = RUNS) -> dict[str, Any]:
    """django-helpdesk's list and search pages are shells whose rows come from a JSON call
    the page makes at once: one sample is the page and that call."""
    info = data.ensure_peer(t)
    # At 1M the peer's pages take seconds each: fewer samples keep the run within the hour.
    runs = min(runs, PEER_RUNS_1M) if t.size >= 1_000_000 else runs
    urls = data.last_json(data.peer(t, "urls"))
    port = free_port()
    log = WORK / "logs" / f"peer-{t.name}.log"
    cmd = ["python3", str(ROOT / "benchmarks" / "peer" / "peer.py"), "serve", *data.peer_args(t),
           "--port", str(port), "--workers", "2"]
    out: dict[str, Any] = {"version": info.get("version"), "tickets": info.get("tickets")}
    with background(cmd, env=dict(os.environ), log=log, port=port, ready_path=urls["login"]):
        client = Client(port)
        client.login(urls["login"], urls["username"], urls["password"])
        if search:
            for kind, word in words(t).items():
                rows = data.last_json(data.peer(t, "urls", "--q", word))["search_rows_for_q"]
                shell = urls["search"].replace("{q}", urllib.parse.quote(word))
                out[f"search {kind}"] = {"word": word,
                                         **client.time([[shell, rows]], runs=runs // 2)}
            return out
        out["list"] = client.time([[urls["list"], urls["list_rows"]]], runs=runs)
        out["list_deep"] = client.time([urls["list_deep"]], runs=runs)
        # The same tickets as Helpwire's ticket-page sample (the peer keeps Helpwire's ids).
        kept = t.data_dir / "ticket_ids.json"
        ids = json.loads(kept.read_text()) if kept.exists() else list(range(1, 21))
        out["ticket page"] = client.time([urls["ticket"].replace("{id}", str(i)) for i in ids],
                                         runs=runs)
    return out
