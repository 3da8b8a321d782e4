"""Workload `reports` [#14]: the overview API over a month and over a year of the dataset,
as a lead's Monday report and a yearly review ask for it, and once per dataset the time
`helpwire reports rebuild` takes to compute every ticket's figures from history."""

from __future__ import annotations

import json
import time
from datetime import date, timedelta
from typing import Any

from harness import data
from harness.common import PYTHON, WORK, Target
from harness.http import Client, background, free_port
from harness.pages import token

RUNS = 12


def _rebuild(t: Target) -> dict[str, Any]:
    """Rebuilt once per dataset (datasets loaded before the reports existed have no
    figures); the time is kept beside the data."""
    kept = t.data_dir / "reports_rebuild.json"
    if not kept.exists():
        t.helpwire("migrate", "--verbosity", "0")
        began = time.monotonic()
        t.helpwire("reports", "rebuild", "--verbosity", "0", timeout=4 * 3600)
        kept.write_text(json.dumps({"seconds": round(time.monotonic() - began, 1)}))
    return dict(json.loads(kept.read_text()))


def helpwire_reports(t: Target) -> dict[str, Any]:
    info = data.agent(t)
    out: dict[str, Any] = {"tickets": info["tickets"], "rebuild": _rebuild(t)}
    today = date.today()
    month_end = today.replace(day=1) - timedelta(days=1)
    month = f"from={month_end.replace(day=1)}&to={month_end}"
    year = f"from={today - timedelta(days=365)}&to={today - timedelta(days=1)}"
    port = free_port()
    log = WORK / "logs" / f"web-reports-{t.name}.log"
    cmd = [str(PYTHON), "-m", "helpwire", "web", "--port", str(port), "--workers", "1"]
    with background(cmd, env=t.env(), log=log, port=port, ready_path="/healthz"):
        api = Client(port)
        headers = {"Authorization": f"Bearer {token(t)}"}
        for name, query in (("month by day", f"{month}&group_by=day"),
                            ("month by agent", f"{month}&group_by=agent"),
                            ("year by month", f"{year}&group_by=month"),
                            ("year by week", f"{year}&group_by=week")):
            out[name] = api.time([f"/api/v1/reports/overview?{query}"], runs=RUNS,
                                 headers=headers, budget=120)
    return out
