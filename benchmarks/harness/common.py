"""Paths, the datasets (one Helpwire database per size and engine), percentiles and the
machine's description for the results."""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
WORK = ROOT / "benchmarks" / ".work"
PYTHON = ROOT / ".venv" / "bin" / "python"
PG = os.environ.get("BENCH_PG", "postgres://root@127.0.0.1:5432")
REDIS = os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379/9")
MAILBOX = "support@bench.helpwire.local"


def parse_size(text: str) -> int:
    text = text.strip().lower()
    for suffix, factor in (("k", 1_000), ("m", 1_000_000)):
        if text.endswith(suffix):
            return int(float(text[:-1]) * factor)
    return int(text)


def label(size: int) -> str:
    if size % 1_000_000 == 0:
        return f"{size // 1_000_000}M"
    return f"{size // 1000}k" if size % 1000 == 0 else str(size)


@dataclass(frozen=True)
class Target:
    """One Helpwire dataset: ``size`` tickets on ``db`` ("sqlite" or "postgres")."""

    size: int
    db: str

    @property
    def name(self) -> str:
        return f"{self.db}-{label(self.size)}"

    @property
    def data_dir(self) -> Path:
        return WORK / "data" / f"hw-{self.name}"

    @property
    def pg_name(self) -> str:
        return f"hwbench_{label(self.size).lower()}"

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items()
               if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "HELPWIRE_MAIL_DIR")}
        env.update(HELPWIRE_DATA_DIR=str(self.data_dir), HELPWIRE_LANGUAGE="ru",
                   # The benchmark is the only client: the per-token limit would cap it.
                   HELPWIRE_API_RATE="100000000/m", PYTHONUNBUFFERED="1")
        env.pop("REDIS_URL", None)
        # As installed: byte code cached (some shells turn that off; every process would
        # compile Helpwire's sources again, ~0.4 s of each `mail deliver`).
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        if self.db == "postgres":
            env["DATABASE_URL"] = f"{PG}/{self.pg_name}"
        env.update(extra)
        return env

    def helpwire(self, *args: str, check: bool = True, timeout: float | None = None,
                 **env: str) -> subprocess.CompletedProcess[str]:
        out = subprocess.run([str(PYTHON), "-m", "helpwire", *args], env=self.env(**env),
                             capture_output=True, timeout=timeout, cwd=ROOT,
                             text=True)
        if check and out.returncode != 0:
            raise RuntimeError(f"helpwire {' '.join(args)} failed ({out.returncode}):\n"
                               f"{out.stderr[-3000:]}")
        return out

    def python_json(self, code: str) -> Any:
        """Run ``code`` in ``helpwire shell``; it must print one JSON line last."""
        out = self.helpwire("shell", "-c", code)
        return json.loads(out.stdout.strip().splitlines()[-1])


def percentiles(samples: list[float]) -> dict[str, float]:
    """Milliseconds: p50, p95, p99, max and the number of samples."""
    if not samples:
        return {"n": 0}
    ordered = sorted(samples)

    def at(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 1)

    return {"n": len(ordered), "p50": round(statistics.median(ordered) * 1000, 1),
            "p95": at(0.95), "p99": at(0.99), "max": round(ordered[-1] * 1000, 1)}


def commit() -> str:
    sha = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                         capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                           capture_output=True, text=True).stdout.strip()
    return sha + ("+changes" if dirty else "")


def machine() -> dict[str, Any]:
    """What the results depend on, including what else was busy when the run started."""
    cpu = ""
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem_kb = int(f.readline().split()[1])
    busy = subprocess.run(["ps", "-eo", "pcpu,comm", "--sort=-pcpu", "--no-headers"],
                          capture_output=True, text=True).stdout.splitlines()
    others = [" ".join(line.split()) for line in busy
              if line.split() and float(line.split()[0]) >= 5.0][:5]
    return {"host": platform.node(), "cpu": cpu, "cores": os.cpu_count(),
            "memory_gb": round(mem_kb / 1024 / 1024, 1), "python": platform.python_version(),
            "load": [round(x, 2) for x in os.getloadavg()], "commit": commit(),
            "busy": others, "started": time.strftime("%Y-%m-%d %H:%M:%S %Z")}
