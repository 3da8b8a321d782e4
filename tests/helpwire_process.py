"""A real ``helpwire run`` in a subprocess, for the tests that need the whole product
(web, worker, scheduler, websocket): the smoke test and the browser tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Process:
    url: str
    port: int
    env: dict[str, str]
    log: Path
    proc: subprocess.Popen[bytes]

    def shell(self, code: str) -> str:
        """Run code in ``helpwire shell`` against this server's data dir; its last line."""
        out = subprocess.run([sys.executable, "-m", "helpwire", "shell", "-c", code],
                             env=self.env, capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, out.stderr[-3000:]
        return out.stdout.strip().splitlines()[-1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def helpwire_run(data: Path) -> Iterator[Process]:
    """``helpwire run`` on a free port over the data dir ``data`` (embedded SQLite whatever
    the surrounding run uses), up and answering; the process group is stopped on exit."""
    data.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "HELPWIRE_DATA_DIR": str(data)}
    for name in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "REDIS_URL", "HELPWIRE_LANGUAGE"):
        env.pop(name, None)
    port = free_port()
    log = data / "server.log"
    with log.open("wb") as out:  # a file, not a pipe: the access log never blocks the server
        proc = subprocess.Popen([sys.executable, "-m", "helpwire", "run", "--port", str(port)],
                                env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(url + "/healthz", timeout=2) as r:  # noqa: S310
                    assert r.read() == b"ok"
                    break
            except OSError:
                assert proc.poll() is None, log.read_text(errors="replace")[-3000:]
                assert time.monotonic() < deadline, "server did not come up"
                time.sleep(0.3)
        yield Process(url=url, port=port, env=env, log=log, proc=proc)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)
