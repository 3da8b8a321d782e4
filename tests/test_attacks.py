"""A small attack suite [#9]: the IDOR matrix — every role without access × every URL of the
workspace (from the URL resolver) and of the API (from its OpenAPI document) × another
group's objects — and CSRF from another origin. A new URL is covered without anyone
remembering: a pattern this suite cannot fill fails it."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.test import Client as Browser
from django.urls import URLPattern, URLResolver, get_resolver

from helpwire.accounts.models import ApiToken
from helpwire.automation.models import ReplyTemplate, Rule
from helpwire.calendars.models import Calendar
from helpwire.connectors.types import InboundAttachment
from helpwire.sla.models import SlaPolicy
from helpwire.tickets.bulk import start as start_bulk
from helpwire.tickets.models import BulkJob, Change, Message, Tag, Ticket
from helpwire.workspace.models import SavedView

PUBLIC = {"login", "logout", "password_reset", "password_reset_done",
          "password_reset_confirm", "healthz"}


def _rows() -> dict[str, int]:
    return {m.__name__: m.objects.count() for m in (Ticket, Message, Change, Tag, SavedView,
                                                    BulkJob)}


def _patterns(resolvers: list[Any], prefix: str = "") -> list[tuple[str, URLPattern]]:
    out = []
    for item in resolvers:
        if isinstance(item, URLResolver):
            if "admin" in str(item.pattern) or "api" in str(item.pattern):
                continue  # the admin has its own guard; the API is walked from OpenAPI
            out += _patterns(item.url_patterns, prefix + str(item.pattern))
        elif isinstance(item, URLPattern):
            out.append((prefix + str(item.pattern), item))
    return out


@pytest.fixture
def victim(ticket, agent, inbound, support):
    """Objects of the support group, seen by its agent, not by the other group's agent nor
    by an unassigned contractor."""
    with_file = inbound("С файлом", thread="file", ticket_defaults={"group_id": support.pk},
                        attachments=(InboundAttachment("a.txt", b"secret"),)).ticket
    view = SavedView.objects.create(name="Мой", owner=agent, filters={})
    job = start_bulk(agent=agent, action="priority", value="low", ticket_ids=[ticket.pk])
    return {
        "ticket": ticket, "number": ticket.number, "client": ticket.client,
        "attachment": with_file.messages.get().attachments.get(), "view": view, "job": job,
        "message": with_file.messages.get(),
        "tag": Tag.objects.create(name="Секрет"),
        "template": ReplyTemplate.objects.create(title="Т", body="Тело"),
    }


def _fill(route: str, name: str, v: dict[str, Any]) -> str | None:
    """The URL of a pattern with the victim's objects, or None for public/parameterless."""
    kinds = {"tickets/": "ticket", "clients/": "client", "views/": "view",
             "bulk/jobs/": "job", "attachments/": "attachment", "messages/": "message",
             "settings/tags/": "tag", "settings/templates/": "template"}
    url = route
    for param in re.findall(r"<(?:\w+:)?(\w+)>", route):
        if param == "number":
            value: Any = v["number"]
        elif param == "pk":
            kind = next((k for p, k in kinds.items() if route.startswith(p)), None)
            if kind is None and route.startswith(("settings/", "mailings/", "reports/")):
                return url.replace("<int:pk>", "1")  # admins and supervisors only anyway
            assert kind is not None, f"the attack suite cannot fill {route!r}: teach it"
            value = v[kind].pk
        elif param in ("uidb64", "token", "slug"):
            return None
        elif param == "rating_id":
            value = 1  # a ticket's own rating: the ticket decides (another group's: 404)
        else:
            raise AssertionError(f"the attack suite cannot fill {route!r}: teach it")
        url = re.sub(rf"<(?:\w+:)?{param}>", str(value), url, count=1)
    return "/" + url


def test_it_never_lets_other_roles_reach_another_groups_objects(browser_as, other_agent,
                                                                 contractor, victim):
    urls = []
    for route, pattern in _patterns(get_resolver().url_patterns):
        if pattern.name in PUBLIC:
            continue
        if not re.search(r"<(?:\w+:)?\w+>", route):
            continue  # no object in the URL: the permission tests cover those
        url = _fill(route, pattern.name or "", victim)
        if url:
            urls.append(url)
    assert len(urls) >= 25  # every object URL of the workspace
    for who in (other_agent, contractor):
        b = browser_as(who)
        for url in urls:
            before = _rows()
            for method in ("get", "post"):
                status = getattr(b, method)(url, {"body": "x", "name": "x", "source": "1",
                                                  "status": "solved"}).status_code
                assert status in {403, 404, 405}, (who.role, method, url, status)
            assert _rows() == before, (who.role, url)


def _sample(schema: dict[str, Any], components: dict[str, Any]) -> Any:
    if "$ref" in schema:
        return _sample(components[schema["$ref"].rsplit("/", 1)[-1]], components)
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            return _sample(schema[key][0], components)
    kind = schema.get("type")
    if kind == "object":
        return {name: _sample(sub, components)
                for name, sub in schema.get("properties", {}).items()
                if name in schema.get("required", [])}
    if kind == "array":
        return [_sample(schema.get("items", {}), components)]
    formats = {"date-time": "2099-01-01T10:00:00+00:00", "date": "2099-01-01",
               "email": "x@example.com"}
    if kind == "string" and schema.get("format") in formats:
        return formats[schema["format"]]
    return {"integer": 1, "number": 1, "boolean": False,
            "string": schema.get("enum", ["x"])[0] if "enum" in schema else "x"}.get(
        kind or "string", "x")


def test_it_answers_404_or_403_to_every_api_call_on_another_groups_objects(
        other_agent, contractor, victim):
    spec = json.loads(Browser().get("/api/v1/openapi.json").content)
    components = spec["components"]["schemas"]
    calendar = Calendar.objects.create(name="Офис", week={"mon": [["09:00", "18:00"]]})
    rule = Rule.objects.create(name="Правило", events=["ticket.created"],
                               actions=[{"type": "spam"}])
    policy = SlaPolicy.objects.create(name="Поддержка", targets={"medium": {
        "first_response": 3600}})
    ids = {"ticket_id": victim["ticket"].pk, "client_id": victim["client"].pk,
           "identity_id": victim["client"].identities.get().pk, "calendar_id": calendar.pk,
           "group_id": victim["ticket"].group_id, "rule_id": rule.pk,
           "template_id": victim["template"].pk, "job_id": victim["job"].pk,
           "mailing_id": 1, "policy_id": policy.pk, "kind": "xlsx", "rating_id": 1}
    # Company-wide reference data every agent may read (working hours are no group's secret).
    shared_reads = {f"/api/v1/calendars/{calendar.pk}", f"/api/v1/sla-policies/{policy.pk}"}
    calls = []
    for path, item in spec["paths"].items():
        params = re.findall(r"{(\w+)}", path)
        if not params:
            continue
        for param in params:
            assert param in ids, f"the attack suite cannot fill {path}: teach it"
        url = re.sub(r"{(\w+)}", lambda m: str(ids[m.group(1)]), path)
        for method, op in item.items():
            body = op.get("requestBody", {}).get("content", {}).get("application/json")
            calls.append((method, url, _sample(body["schema"], components) if body else None))
    assert len(calls) >= 10
    for who in (other_agent, contractor):
        _token, raw = ApiToken.issue(agent=who)
        http = Browser(HTTP_AUTHORIZATION=f"Bearer {raw}")
        for method, url, body in calls:
            before = _rows()
            kwargs = {"data": json.dumps(body), "content_type": "application/json"} \
                if body is not None else {}
            status = getattr(http, method)(url, **kwargs).status_code
            if method == "get" and url in shared_reads:
                assert status == 200, (who.role, url, status)
                continue
            assert status in (403, 404), (who.role, method, url, status)
            assert _rows() == before, (who.role, method, url)


def test_it_refuses_a_form_posted_from_another_site(agent, ticket):
    b = Browser(enforce_csrf_checks=True)
    b.force_login(agent)
    b.get(f"/tickets/{ticket.pk}/")
    token = b.cookies["csrftoken"].value
    forged = b.post(f"/tickets/{ticket.pk}/reply/", {"body": "подделка", "kind": "note"})
    assert forged.status_code == 403  # no token: another site cannot know it
    cross = b.post(f"/tickets/{ticket.pk}/reply/", {"body": "подделка", "kind": "note",
                                                    "csrfmiddlewaretoken": token},
                   HTTP_ORIGIN="https://evil.example", HTTP_HOST="testserver")
    assert cross.status_code == 403  # even with a token, a foreign Origin is refused
    api = b.post(f"/api/v1/tickets/{ticket.pk}/messages", json.dumps({"body": "подделка"}),
                 content_type="application/json")
    assert api.status_code in (401, 403)  # the API on a session needs the token too
    assert not Message.objects.filter(body_text="подделка").exists()
