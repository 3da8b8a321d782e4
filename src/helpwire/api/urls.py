from __future__ import annotations

from ninja import NinjaAPI

from helpwire.api import (
    calendars,
    clients,
    directory,
    errors,
    jobs,
    mailings,
    reports,
    rules,
    sla,
    templates,
    tickets,
)
from helpwire.api.auth import AgentSessionAuth, PerCallerThrottle, TokenAuth

api = NinjaAPI(
    title="Helpwire API",
    version="1",
    description="REST API v1. Authenticate with `Authorization: Bearer <token>` "
                "(`helpwire token create --email …`). Errors are "
                '`{"error": {"code", "message", "details"}}`.',
    urls_namespace="api-v1",
    auth=[TokenAuth(), AgentSessionAuth()],
    throttle=[PerCallerThrottle()],
)
errors.install(api)
api.add_router("", tickets.router)
api.add_router("", clients.router)
api.add_router("", directory.router)
api.add_router("", calendars.router)
api.add_router("", rules.router)
api.add_router("", templates.router)
api.add_router("", jobs.router)
api.add_router("", mailings.router)
api.add_router("", sla.router)
api.add_router("", reports.router)

urlpatterns = api.urls
