from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}


def base_url(host: str, port: int) -> str:
    """HELPWIRE_BASE_URL, or this server's own loopback address. Serving other machines
    without it would leave links in emails to whatever Host header a request carried."""
    configured = os.environ.get("HELPWIRE_BASE_URL", "").strip()
    if configured:
        return configured.rstrip("/")
    if host not in LOOPBACK:
        raise CommandError(
            f"Serving on {host} needs the address people reach Helpwire at: set "
            "HELPWIRE_BASE_URL (for example HELPWIRE_BASE_URL=https://help.example.com) and "
            "start again.")
    return f"http://{'[::1]' if host == '::1' else host}:{port}"


class Command(BaseCommand):
    help = "Migrate, then run the web server, the task worker and the scheduler together."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=None,
                            help="HTTP worker processes (see `helpwire web`).")

    def handle(self, *args: Any, host: str, port: int, workers: int | None = None,
               **options: Any) -> None:
        base = base_url(host, port)
        call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        me = [sys.executable, "-m", "helpwire"]
        # Links that leave Helpwire (emails) name this address: the children get it.
        env = {**os.environ, "HELPWIRE_BASE_URL": base}
        children = {
            "web": subprocess.Popen([*me, "web", "--host", host, "--port", str(port),
                                     *(["--workers", str(workers)] if workers else [])],
                                    env=env),
            "worker": subprocess.Popen([*me, "worker", "--verbosity", "0"], env=env),
        }
        url = f"http://{host}:{port}/"
        self.stdout.write(f"Helpwire is running at {url} — workspace {url}login/, "
                          f"Django admin {url}admin/, API docs {url}api/v1/docs")
        login = Path(settings.DATA_DIR) / "demo-login.txt"
        if login.exists():
            line = login.read_text().strip()
            self.stdout.write(line.replace("Log in as", f"Log in at {url}login/ as", 1))
        self.stdout.write("Press Ctrl-C to stop.")
        self._wait(children)

    def _wait(self, children: dict[str, subprocess.Popen[bytes]]) -> None:
        stopping = False

        def stop(signum: int, frame: object) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        # Stop everything when asked or when any part dies.
        while not stopping and all(c.poll() is None for c in children.values()):
            time.sleep(0.3)
        died = {name: c.returncode for name, c in children.items() if c.poll() is not None}
        for child in children.values():
            if child.poll() is None:
                child.terminate()
        deadline = time.monotonic() + 10
        for child in children.values():
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait(timeout=5)
        if not stopping:
            # A part died on its own: say which, and exit non-zero so a supervisor
            # (systemd, a container runtime) restarts the whole set.
            raise CommandError("; ".join(f"the {name} process stopped (exit code {code})"
                                         for name, code in died.items()))
