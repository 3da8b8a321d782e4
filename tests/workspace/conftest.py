from __future__ import annotations

import pytest
from django.test import Client as Browser


@pytest.fixture
def browser_as():
    """A logged-in browser session for an agent (Django's test client)."""

    def make(agent):
        b = Browser()
        b.force_login(agent)
        return b

    return make
