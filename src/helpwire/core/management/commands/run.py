from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Migrate, then run the web server, the task worker and the scheduler together."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)

    def handle(self, *args: Any, host: str, port: int, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        me = [sys.executable, "-m", "helpwire"]
        children = {
            "web": subprocess.Popen([*me, "web", "--host", host, "--port", str(port)]),
            "worker": subprocess.Popen([*me, "worker", "--verbosity", "0"]),
        }
        url = f"http://{host}:{port}/"
        self.stdout.write(f"Helpwire is running at {url} — workspace {url}login/, "
                          f"Django admin {url}admin/, API docs {url}api/v1/docs")
        login = Path(settings.DATA_DIR) / "demo-login.txt"
        if login.exists():
            # The file names the configured base URL; say where this server really is.
            line = login.read_text().strip()
            self.stdout.write(line.replace(settings.HELPWIRE_BASE_URL.rstrip("/") + "/",
                                           url))
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
