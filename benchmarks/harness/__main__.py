"""benchmarks/run: load the datasets, run every workload, print a table and append a dated
section to benchmarks/RESULTS.md [#11].

Each (size, database, workload) cell is kept in benchmarks/.work/state.json once measured, so
an interrupted or time-bounded run resumes where it stopped; ``--fresh`` measures again."""

from __future__ import annotations

import argparse
import json
import sys
import time
import traceback
from collections.abc import Callable
from typing import Any

from harness import data, ingest, load, pages, report, reports, rules
from harness.common import WORK, Target, commit, label, machine, parse_size

WORKLOADS = ("queue", "search", "api", "memory", "ingest", "rules", "reports")
STATE = WORK / "state.json"


def _helpwire(workload: str, t: Target, seed: int) -> dict[str, Any]:
    if workload in ("queue", "search"):
        return pages.helpwire_pages(t, search=workload == "search")
    if workload == "api":
        return load.api_create(t)
    if workload == "memory":
        return load.memory(t)
    if workload == "rules":
        return rules.helpwire_rules(t, seed=seed)
    if workload == "reports":
        return reports.helpwire_reports(t)
    return ingest.helpwire_ingest(t, seed=seed)


def _peer(workload: str, t: Target, seed: int) -> dict[str, Any] | None:
    if workload in ("queue", "search"):
        return pages.peer_pages(t, search=workload == "search")
    if workload == "ingest":
        return ingest.peer_ingest(t, seed=seed)
    return None  # the peer has no ticket-creation API to compare; memory is ours alone


def _attempt(fn: Callable[[], dict[str, Any] | None]) -> tuple[dict[str, Any] | None, str]:
    try:
        return fn(), ""
    except Exception as exc:  # a failed cell is recorded and the run goes on
        traceback.print_exc()
        return None, f"{exc.__class__.__name__}: {exc}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="benchmarks/run", description=__doc__)
    parser.add_argument("--sizes", default="10k,100k,1M")
    parser.add_argument("--db", default="sqlite,postgres")
    parser.add_argument("--peer", action="store_true", help="django-helpdesk side by side")
    parser.add_argument("--only", default=",".join(WORKLOADS),
                        help=f"workloads, comma-separated: {', '.join(WORKLOADS)}")
    parser.add_argument("--fresh", action="store_true", help="measure cells already measured")
    parser.add_argument("--max-minutes", type=float, default=180,
                        help="start no new cell after this long (resume later)")
    parser.add_argument("--show", action="store_true", help="print every measured cell")
    parser.add_argument("--record", action="store_true",
                        help="append the kept cells of --sizes/--db to RESULTS.md")
    parser.add_argument("--prepare", action="store_true",
                        help="only load the datasets (and the peer's, with --peer)")
    args = parser.parse_args(argv)
    sizes = [parse_size(s) for s in args.sizes.split(",") if s]
    dbs = [d.strip() for d in args.db.split(",") if d.strip()]
    only = [w.strip() for w in args.only.split(",") if w.strip()]
    unknown = set(only) - set(WORKLOADS) or set(dbs) - {"sqlite", "postgres"}
    if unknown:
        parser.error(f"unknown: {', '.join(sorted(unknown))}")
    WORK.mkdir(parents=True, exist_ok=True)
    state: dict[str, Any] = json.loads(STATE.read_text()) if STATE.exists() else {"cells": {}}
    if args.show:
        cells = [(parse_size(k.split("/")[0]), k.split("/")[1], k.split("/")[2], v)
                 for k, v in state["cells"].items()]
        print(report.table(cells, state.get("peer_version")))
        return 0
    if args.record:
        # The kept cells of an interrupted run, as a section (their own dates say when).
        cells = [(parse_size(k.split("/")[0]), k.split("/")[1], k.split("/")[2], v)
                 for k, v in state["cells"].items()
                 if parse_size(k.split("/")[0]) in sizes and k.split("/")[1] in dbs]
        report.append(time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
                      + " — kept cells of an interrupted run", machine(),
                      report.table(cells, state.get("peer_version")))
        return 0
    if args.prepare:
        for size in sizes:
            for db in dbs:
                data.ensure_helpwire(Target(size, db))
                if args.peer:
                    data.ensure_peer(Target(size, db))
        return 0
    info = machine()
    began, seed = time.monotonic(), int(time.time())
    measured: list[tuple[int, str, str, dict[str, Any]]] = []
    stopped = False
    for size in sizes:
        for db in dbs:
            t = Target(size, db)
            for workload in only:
                key = f"{label(size)}/{db}/{workload}"
                cell = state["cells"].get(key)
                if cell and not args.fresh and (cell.get("peer") or not args.peer):
                    print(f"= {key}: measured {cell['at']} (commit {cell['commit']}); "
                          "--fresh measures again")
                    continue
                if (time.monotonic() - began) / 60 > args.max_minutes:
                    stopped = True
                    break
                print(f"▶ {key}", flush=True)
                data.ensure_helpwire(t)
                hw, error = _attempt(lambda w=workload, t=t: _helpwire(w, t, seed))
                cell = {"at": time.strftime("%Y-%m-%d %H:%M"), "commit": commit(),
                        "helpwire": hw, "error": error}
                if args.peer:
                    peer, peer_error = _attempt(lambda w=workload, t=t: _peer(w, t, seed))
                    cell.update(peer=peer, peer_error=peer_error)
                    if peer and peer.get("version"):
                        state["peer_version"] = peer["version"]
                if hw is not None:
                    state["cells"][key] = cell
                    STATE.write_text(json.dumps(state, ensure_ascii=False, indent=1))
                measured.append((size, db, workload, cell))
                print(report.table([(size, db, workload, cell)], state.get("peer_version")),
                      flush=True)
    ingest.clean_corpus(seed)
    if not measured:
        print("Nothing new to measure; --show prints the kept results, --fresh measures again.")
        return 0
    text = report.table(measured, state.get("peer_version"))
    print("\n" + text)
    title = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()) + \
        f" — sizes {args.sizes}, {args.db}{', with the peer' if args.peer else ''}"
    report.append(title, info, text)
    print(f"\nAppended to {report.RESULTS}.")
    if stopped:
        print(f"Stopped after {args.max_minutes} minutes; run the same command to go on.")
    return 1 if any(c.get("error") for *_, c in measured) else 0


if __name__ == "__main__":
    sys.exit(main())
