from __future__ import annotations

from typing import Any

import uvicorn
from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve HTTP and websockets (uvicorn, ASGI)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)

    def handle(self, *args: Any, host: str, port: int, **options: Any) -> None:
        # Client addresses from X-Forwarded-For only when the request comes from one of the
        # reverse proxies named in HELPWIRE_TRUSTED_PROXIES; otherwise the socket's peer.
        proxies = list(settings.HELPWIRE_TRUSTED_PROXIES)
        uvicorn.run("helpwire.asgi:application", host=host, port=port, lifespan="off",
                    log_level="info", proxy_headers=bool(proxies),
                    forwarded_allow_ips=",".join(proxies) or None)
