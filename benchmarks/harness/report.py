"""The table of results, the issue's targets beside them, and the dated section appended to
benchmarks/RESULTS.md."""

from __future__ import annotations

from typing import Any

from harness.common import ROOT, label

RESULTS = ROOT / "benchmarks" / "RESULTS.md"
Row = tuple[str, str, str, str, str]  # metric, Helpwire, peer, ratio, target


def _ms(r: dict[str, Any] | None) -> str:
    if not r or "p50" not in r:
        return "—"
    return f"{r['p50']:g} / {r['p95']:g} / {r['p99']:g}"


def _ratio(ours: float | None, theirs: float | None) -> str:
    if not ours or not theirs:
        return "—"
    return f"{ours / theirs:.2f}"


def _mark(ok: bool | None, text: str) -> str:
    return "" if ok is None else ("✓ " if ok else "✗ ") + text


def rows(size: int, db: str, workload: str, cell: dict[str, Any]) -> list[Row]:
    hw, peer = cell.get("helpwire") or {}, cell.get("peer") or {}
    out: list[Row] = []
    if not hw:
        return [(workload, f"failed: {cell.get('error') or 'no result'}", "—", "—", "")]
    big = size >= 1_000_000
    if workload == "queue":
        first = hw.get("queue p1 rows", {}).get("p95")
        peer_list = peer.get("list_rows") or peer.get("list")
        for key, value in hw.items():
            if not isinstance(value, dict) or "p95" not in value:
                continue
            theirs: dict[str, Any] | None = None
            target = ""
            if key == "queue p1":
                theirs = peer_list
                target = _mark(value["p95"] < 50, "p95 < 50 ms") if big else ""
            elif key.startswith("queue p") and key != "queue p1 rows":
                theirs = peer.get("list_deep")
                target = _mark(bool(first) and value["p95"] <= 1.5 * first, "≤ 1.5× page 1")
            elif key == "ticket page":
                theirs = peer.get("ticket page")
            elif key.startswith("api list p") and key != "api list p1":
                p1 = hw.get("api list p1", {}).get("p95")
                target = _mark(bool(p1) and value["p95"] <= 1.5 * p1, "≤ 1.5× page 1")
            out.append((f"{key}, ms p50/p95/p99", _ms(value), _ms(theirs),
                        _ratio(value["p95"], (theirs or {}).get("p95")), target))
    elif workload == "search":
        for key, value in hw.items():
            if not key.startswith("search"):
                continue
            theirs = peer.get(key)
            out.append((f"{key} «{value['word']}», ms", _ms(value), _ms(theirs),
                        _ratio(value["p95"], (theirs or {}).get("p95")),
                        _mark(value["p95"] < 100, "p95 < 100 ms") if big else ""))
    elif workload == "api":
        floor = 300 if db == "postgres" else 150
        ok = (hw["per_s"] >= floor and hw["p99_ms"] < 200 and not hw["bad_status"]
              and not hw["socket_errors"])
        out.append((f"API creations/s, {hw['web_workers']} web workers, c={hw['connections']}",
                    f"{hw['per_s']:g}/s, p50 {hw['p50_ms']:g} p99 {hw['p99_ms']:g} ms, "
                    f"{hw['bad_status']} bad status, {hw['socket_errors']} socket errors",
                    "—", "—", _mark(ok, f"≥ {floor}/s, p99 < 200 ms, no errors")))
    elif workload == "memory":
        pss = hw.get("peak_pss_mb")
        out.append(("`helpwire run` RSS idle / peak under load",
                    f"{hw['idle_mb']:g} / {hw['peak_mb']:g} MB", "—", "—",
                    _mark(hw["peak_mb"] < 400, "< 400 MB")))
        if pss is not None:
            out.append(("the same as PSS (shared pages split among the processes)",
                        f"{hw['idle_pss_mb']:g} / {pss:g} MB", "—", "—", ""))
    elif workload == "ingest":
        pipe, imap, check = hw["pipe"], hw["imap"], hw["check"]
        out.append((f"mail deliver, a process each ({pipe['messages']} msgs, "
                    f"{pipe['concurrency']} at a time)",
                    f"{pipe['per_s']:g} msg/s ({pipe['process_ms']} ms a process)", "—", "—", ""))
        lost = check["missing"] + check["body_differs"] + check["attachments_lost"]
        ok = imap["per_s"] >= 200 and lost == 0 if db == "postgres" else lost == 0
        peer_rate = peer.get("rate")
        out.append((f"IMAP batch ({imap['messages']} msgs), msg/s", f"{imap['per_s']:g}",
                    f"{peer_rate:g} (local dir)" if peer_rate else "—",
                    _ratio(imap["per_s"], peer_rate),
                    _mark(ok, "≥ 200/s, nothing lost" if db == "postgres" else "nothing lost")))
        pc = peer.get("check") or {}
        out.append(("lost or altered: bodies / attachments (of the corpus)",
                    f"{check['missing']} missing, {check['body_differs']} bodies, "
                    f"{check['attachments_lost']}/{check['attachments']} attachments, "
                    f"{check['twice']} twice",
                    f"{pc.get('body_differs', '—')} bodies, {pc.get('attachments_lost', '—')}/"
                    f"{pc.get('attachments', '—')} attachments" if pc else "—", "—", ""))
    elif workload == "rules":
        plain, ruled = hw["without"], hw["with"]
        out.append((f"IMAP ingest, {plain['messages']} msgs, until dispatched: no rules / "
                    f"{hw['rules']} rules, msg/s",
                    f"{plain['per_s']:g} / {ruled['per_s']:g} ({hw['slowdown_pct']:+g} %, "
                    f"{hw['firings']} firings)", "—", "—",
                    _mark(hw["slowdown_pct"] <= 20, "≤ 20 % slower")))
    elif workload == "reports":
        rebuilt = hw["rebuild"]["seconds"]
        out.append(("`helpwire reports rebuild`, every ticket", f"{rebuilt:g} s", "—", "—", ""))
        for key, value in hw.items():
            if isinstance(value, dict) and "p95" in value:
                limit = 1000 if key.startswith("month") else 2000
                out.append((f"overview, {key}, ms p50/p95/p99", _ms(value), "—", "—",
                            _mark(value["p95"] < limit, f"p95 < {limit // 1000} s")
                            if big else ""))
    if cell.get("error"):
        out.append(("error", cell["error"][:200], "", "", ""))
    if cell.get("peer_error"):
        out.append(("peer error", cell["peer_error"][:200], "", "", ""))
    return out


def table(cells: list[tuple[int, str, str, dict[str, Any]]], peer_version: str | None) -> str:
    peer_name = f"django-helpdesk {peer_version}" if peer_version else "peer"
    lines = [f"| size | database | workload | metric | Helpwire | {peer_name} | ratio | target |",
             "|---|---|---|---|---|---|---|---|"]
    for size, db, workload, cell in cells:
        for metric, ours, theirs, ratio, target in rows(size, db, workload, cell):
            lines.append(f"| {label(size)} | {db} | {workload} | {metric} | {ours} | {theirs} "
                         f"| {ratio} | {target} |")
    return "\n".join(lines)


def append(section_title: str, machine: dict[str, Any], text: str) -> None:
    busy = ", ".join(machine["busy"]) or "nothing above 5 % CPU"
    head = (f"\n## {section_title}\n\n"
            f"Commit {machine['commit']}; {machine['cpu']}, {machine['cores']} cores, "
            f"{machine['memory_gb']} GB, Python {machine['python']}; load average at the "
            f"start {' '.join(map(str, machine['load']))}; busy then: {busy}. Times are p50 / "
            "p95 / p99 in ms over loopback HTTP; ratio = Helpwire ÷ peer (for times lower is "
            "better, for rates higher is better).\n\n")
    if not RESULTS.exists():
        RESULTS.write_text("# Benchmark results\n\nAppended by `benchmarks/run`, one section a "
                           "run; see benchmarks/README.md for what each workload does.\n")
    with RESULTS.open("a") as f:
        f.write(head + text + "\n")
