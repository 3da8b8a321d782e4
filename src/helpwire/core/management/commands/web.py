"""``helpwire web``: HTTP and websockets under uvicorn, in one process or several.

Several workers each listen on their own socket bound with ``SO_REUSEPORT``, so the kernel
spreads new connections evenly among them. uvicorn's own ``--workers`` shares one socket,
and whichever process wakes first accepts every pending connection at once: under load
(a benchmark's eight keep-alive connections, a reverse proxy's upstream pool) one worker
took them all while the other idled, and two workers served what one did [#11].
"""

from __future__ import annotations

import os
import socket
from typing import Any

import uvicorn
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from helpwire.supervise import exec_self


def default_workers() -> int:
    """One process without Redis (presence and rate limits then live in process memory,
    which several processes would split); one per core with it."""
    return max(1, os.cpu_count() or 1) if settings.REDIS_URL else 1


def checked_workers(requested: int | None) -> int:
    """The number of web processes to start: the default, or the one asked for if it can
    work here."""
    workers = default_workers() if requested is None else requested
    if workers < 1:
        raise CommandError("--workers must be at least 1")
    if workers > 1 and not settings.REDIS_URL:
        raise CommandError("several web workers need REDIS_URL: without Redis, presence "
                           "and rate limits live in one process's memory")
    return workers


def listener(host: str, port: int) -> socket.socket:
    """A listening socket that shares its port with the other workers' (SO_REUSEPORT)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host.strip("[]"), port))
    sock.listen(2048)
    return sock


class Command(BaseCommand):
    help = "Serve HTTP and websockets (uvicorn, ASGI)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=None,
                            help="HTTP worker processes (default: 1 without REDIS_URL, the "
                                 "number of cores with it).")
        # Internal: one of several workers started by helpwire.supervise.
        parser.add_argument("--shared-port", action="store_true", help="(internal)")

    def handle(self, *args: Any, host: str, port: int, workers: int | None = None,
               shared_port: bool = False, **options: Any) -> None:
        workers = checked_workers(workers)
        if workers > 1:
            self._check_free(host, port)
            self.stdout.write(f"Serving on {host}:{port} with {workers} worker processes")
            # The supervisor needs no Django: this process becomes it (same pid).
            exec_self(web_workers=workers, host=host, port=port, task_worker=False)
        # Client addresses from X-Forwarded-For only when the request comes from one of the
        # reverse proxies named in HELPWIRE_TRUSTED_PROXIES; otherwise the socket's peer.
        proxies = list(settings.HELPWIRE_TRUSTED_PROXIES)
        serving: dict[str, Any] = {
            "host": host, "port": port, "lifespan": "off", "log_level": "info",
            "proxy_headers": bool(proxies), "forwarded_allow_ips": ",".join(proxies) or None}
        if shared_port:
            server = uvicorn.Server(uvicorn.Config("helpwire.asgi:application", **serving))
            server.run(sockets=[listener(host, port)])
        else:
            uvicorn.run("helpwire.asgi:application", **serving)

    @staticmethod
    def _check_free(host: str, port: int) -> None:
        """Refuse a port already in use — also by another Helpwire, whose SO_REUSEPORT
        sockets ours would otherwise quietly join, splitting its traffic with us."""
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((host.strip("[]"), port))
            except OSError as exc:
                raise CommandError(f"cannot listen on {host}:{port}: {exc.strerror}") from exc
