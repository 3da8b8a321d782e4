from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client as HttpClient

from helpwire.accounts.models import Agent, ApiToken


class Api:
    """A thin JSON client that speaks as one agent through his bearer token."""

    def __init__(self, agent: Agent | None) -> None:
        self.http = HttpClient()
        self.headers = {}
        if agent is not None:
            _token, raw = ApiToken.issue(agent=agent)
            self.headers["Authorization"] = f"Bearer {raw}"

    def call(self, method: str, path: str, body: Any = None, **params: Any):
        url = "/api/v1" + path
        kwargs: dict[str, Any] = {"headers": self.headers}
        if body is not None:
            kwargs |= {"data": json.dumps(body), "content_type": "application/json"}
        elif params:
            kwargs["data"] = params
        return getattr(self.http, method)(url, **kwargs)

    def get(self, path: str, **params: Any):
        return self.call("get", path, **params)

    def post(self, path: str, body: Any):
        return self.call("post", path, body)

    def patch(self, path: str, body: Any):
        return self.call("patch", path, body)

    def put(self, path: str, body: Any):
        return self.call("put", path, body)

    def delete(self, path: str):
        return self.call("delete", path)


@pytest.fixture
def api_as():
    return Api


@pytest.fixture
def api(agent) -> Api:
    return Api(agent)


@pytest.fixture
def admin_api(admin) -> Api:
    return Api(admin)
