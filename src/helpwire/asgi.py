"""ASGI entry point: HTTP through Django, websockets through Channels (routes come later)."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpwire.settings")

from channels.routing import ProtocolTypeRouter
from django.core.asgi import get_asgi_application

django_app = get_asgi_application()

application = ProtocolTypeRouter({"http": django_app})
