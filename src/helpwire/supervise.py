"""The supervisor of ``helpwire run`` and ``helpwire web --workers N``, without Django.

Both commands need Django only to get ready (migrate, collect static files, check the
settings); then they replace themselves with this module (``os.execve``, same pid), which
starts the parts, restarts a web worker that dies once it has started, and stops everything
when asked (SIGINT, SIGTERM: exit 0) or when a part dies that must not be restarted alone —
the task worker, or a web worker that failed to start: exit 1, saying which, so systemd or
a container runtime starts the whole set again. A supervisor holding Django's ~90 MB did
nothing with it: two of them were a fifth of ``helpwire run``'s memory [#11].
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass

# A web worker that dies this soon after starting failed to start (a port in use, a broken
# app): it would fail the same way on every restart.
STARTUP_GRACE = 10.0
HELPWIRE = [sys.executable, "-m", "helpwire"]


@dataclass
class Part:
    name: str
    argv: list[str]
    restart: bool
    proc: subprocess.Popen[bytes] | None = None
    started: float = 0.0

    def start(self) -> None:
        self.proc = subprocess.Popen(self.argv)
        self.started = time.monotonic()


def exec_self(*, web_workers: int, host: str, port: int, task_worker: bool,
              env: dict[str, str] | None = None) -> None:
    """Replace the calling process (a Django command that has done its set-up) with the
    supervisor; never returns."""
    sys.stdout.flush()
    sys.stderr.flush()
    argv = [*HELPWIRE[:2], "helpwire.supervise", "--web-workers", str(web_workers),
            "--host", host, "--port", str(port), *(["--task-worker"] if task_worker else [])]
    os.execve(sys.executable, argv, env if env is not None else dict(os.environ))  # noqa: S606 - our own interpreter, a fixed argv


def parts(*, web_workers: int, host: str, port: int, task_worker: bool) -> list[Part]:
    web = [*HELPWIRE, "web", "--host", host, "--port", str(port), "--workers", "1"]
    if web_workers > 1:
        web.append("--shared-port")  # each on its own SO_REUSEPORT socket (see web.py)
    out = [Part(f"web {i + 1}" if web_workers > 1 else "web", web, restart=True)
           for i in range(web_workers)]
    if task_worker:
        out.append(Part("worker", [*HELPWIRE, "worker", "--verbosity", "0"], restart=False))
    return out


def supervise(todo: list[Part]) -> int:
    stopping = False

    def stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    for part in todo:
        part.start()
    failure = ""
    while not stopping and not failure:
        time.sleep(0.3)
        for part in todo:
            assert part.proc is not None
            code = part.proc.poll()
            if code is None or stopping:
                continue
            if part.restart and time.monotonic() - part.started >= STARTUP_GRACE:
                print(f"the {part.name} process stopped (exit code {code}); starting it "
                      "again", file=sys.stderr, flush=True)
                part.start()
                continue
            failure = f"the {part.name} process stopped (exit code {code})"
            break
    for part in todo:
        if part.proc is not None and part.proc.poll() is None:
            part.proc.terminate()
    deadline = time.monotonic() + 10
    for part in todo:
        if part.proc is None:
            continue
        try:
            part.proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            part.proc.kill()
            part.proc.wait(timeout=5)
    if failure:
        print(f"Helpwire stopped: {failure}", file=sys.stderr, flush=True)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="helpwire.supervise", description=__doc__)
    parser.add_argument("--web-workers", type=int, default=1)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--task-worker", action="store_true")
    args = parser.parse_args(argv)
    return supervise(parts(web_workers=args.web_workers, host=args.host, port=args.port,
                           task_worker=args.task_worker))


if __name__ == "__main__":
    sys.exit(main())
