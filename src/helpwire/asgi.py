"""ASGI entry point: HTTP through Django, the live workspace websocket through Channels."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpwire.settings")

from channels.auth import AuthMiddlewareStack
from channels.routing import ProtocolTypeRouter, URLRouter
from channels.security.websocket import AllowedHostsOriginValidator
from django.core.asgi import get_asgi_application
from django.urls import path

django_app = get_asgi_application()

from helpwire.workspace.live import LiveConsumer, SameOrigin  # noqa: E402  (app registry)

application = ProtocolTypeRouter({
    "http": django_app,
    "websocket": SameOrigin(AllowedHostsOriginValidator(
        AuthMiddlewareStack(URLRouter([path("ws/live/", LiveConsumer.as_asgi())])))),
})
