from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from helpwire.core.management.commands.web import checked_workers
from helpwire.supervise import exec_self

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
        workers = checked_workers(workers)
        # Links that leave Helpwire (emails) name this address: the children get it.
        env = {**os.environ, "HELPWIRE_BASE_URL": base}
        url = f"http://{host}:{port}/"
        self.stdout.write(f"Helpwire is running at {url} — workspace {url}login/, "
                          f"Django admin {url}admin/, API docs {url}api/v1/docs")
        login = Path(settings.DATA_DIR) / "demo-login.txt"
        if login.exists():
            line = login.read_text().strip()
            self.stdout.write(line.replace("Log in as", f"Log in at {url}login/ as", 1))
        self.stdout.write("Press Ctrl-C to stop.")
        # Set up: the rest is starting and watching processes, which needs no Django —
        # this process becomes the supervisor (same pid, so Ctrl-C and SIGTERM reach it).
        exec_self(web_workers=workers, host=host, port=port, task_worker=True, env=env)
