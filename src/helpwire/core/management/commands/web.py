from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve HTTP and websockets (uvicorn, ASGI)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)

    def handle(self, *args: Any, host: str, port: int, **options: Any) -> None:
        import uvicorn

        uvicorn.run("helpwire.asgi:application", host=host, port=port, lifespan="off",
                    log_level="info", proxy_headers=True)
