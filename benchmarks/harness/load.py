"""Workloads 4 and 5: API ticket creation under wrk, and the resident memory of
``helpwire run`` idle and under that load."""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

from harness import pages
from harness.common import PYTHON, REDIS, WORK, Target
from harness.http import background, free_port, pss_mb, rss_mb

LUA = Path(__file__).with_name("create.lua")
CONNECTIONS = 8
SECONDS = 20


def redis_up() -> bool:
    out = subprocess.run(["redis-cli", "-u", REDIS, "ping"], capture_output=True, text=True)
    return out.stdout.strip() == "PONG"


def wrk(port: int, token: str, *, seconds: int = SECONDS,
        connections: int = CONNECTIONS) -> dict[str, Any]:
    if not shutil.which("wrk"):
        raise RuntimeError("wrk is missing: apt-get install wrk")
    prefix = f"r{int(time.time())}"
    # One wrk thread: the machine's cores are left to the server.
    out = subprocess.run(["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s",
                          "-s", str(LUA), f"http://127.0.0.1:{port}/api/v1/tickets",
                          "--", prefix, token], capture_output=True, text=True,
                         timeout=seconds + 60)
    line = [x for x in out.stdout.splitlines() if x.startswith("{")]
    if out.returncode != 0 or not line:
        raise RuntimeError(f"wrk failed: {out.stdout[-2000:]}{out.stderr[-2000:]}")
    result = dict(json.loads(line[-1]))
    result["per_s"] = round(result["requests"] / (result["duration_us"] / 1e6), 1)
    result["connections"] = connections
    return result


def api_create(t: Target) -> dict[str, Any]:
    workers = 2 if redis_up() else 1
    extra = {"REDIS_URL": REDIS} if workers > 1 else {}
    port = free_port()
    cmd = [str(PYTHON), "-m", "helpwire", "web", "--port", str(port), "--workers", str(workers)]
    token = pages.token(t)
    with background(cmd, env=t.env(**extra), log=WORK / "logs" / f"api-{t.name}.log",
                    port=port, ready_path="/healthz"):
        wrk(port, token, seconds=3)  # warm-up: pools, caches, the first client look-ups
        result = wrk(port, token)
    return {"web_workers": workers, **result}


def memory(t: Target) -> dict[str, Any]:
    """``helpwire run`` (web, worker, scheduler): RSS of the whole process tree idle, and its
    peak while wrk creates tickets."""
    port = free_port()
    extra = {"REDIS_URL": REDIS} if redis_up() else {}
    cmd = [str(PYTHON), "-m", "helpwire", "run", "--port", str(port)]
    token = pages.token(t)
    with background(cmd, env=t.env(**extra), log=WORK / "logs" / f"run-{t.name}.log",
                    port=port, ready_path="/healthz") as proc:
        time.sleep(10)
        idle, idle_pss = rss_mb(proc.pid), pss_mb(proc.pid)
        peak, peak_pss = [idle], [idle_pss]
        done = threading.Event()

        def sample() -> None:
            while not done.is_set():
                peak.append(rss_mb(proc.pid))
                peak_pss.append(pss_mb(proc.pid))
                time.sleep(0.25)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        load = wrk(port, token, seconds=15)
        time.sleep(3)  # the worker catches up with the events the load left
        done.set()
        sampler.join()
    return {"idle_mb": idle, "peak_mb": max(peak), "idle_pss_mb": idle_pss,
            "peak_pss_mb": max(peak_pss), "with_redis": bool(extra),
            "load_per_s": load["per_s"]}
