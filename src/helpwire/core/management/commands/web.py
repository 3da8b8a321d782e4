from __future__ import annotations

import os
from typing import Any

import uvicorn
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


def default_workers() -> int:
    """One process without Redis (presence and rate limits then live in process memory,
    which several processes would split); one per core with it."""
    return max(1, os.cpu_count() or 1) if settings.REDIS_URL else 1


class Command(BaseCommand):
    help = "Serve HTTP and websockets (uvicorn, ASGI)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=None,
                            help="HTTP worker processes (default: 1 without REDIS_URL, the "
                                 "number of cores with it).")

    def handle(self, *args: Any, host: str, port: int, workers: int | None = None,
               **options: Any) -> None:
        workers = default_workers() if workers is None else workers
        if workers < 1:
            raise CommandError("--workers must be at least 1")
        if workers > 1 and not settings.REDIS_URL:
            raise CommandError("several web workers need REDIS_URL: without Redis, presence "
                               "and rate limits live in one process's memory")
        # Client addresses from X-Forwarded-For only when the request comes from one of the
        # reverse proxies named in HELPWIRE_TRUSTED_PROXIES; otherwise the socket's peer.
        proxies = list(settings.HELPWIRE_TRUSTED_PROXIES)
        uvicorn.run("helpwire.asgi:application", host=host, port=port, lifespan="off",
                    log_level="info", proxy_headers=bool(proxies), workers=workers,
                    forwarded_allow_ips=",".join(proxies) or None)
