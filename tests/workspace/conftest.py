"""Fixtures of the workspace screens' tests."""

from __future__ import annotations

import pytest


@pytest.fixture
def english_browser_as(browser_as):
    """A logged-in browser for an agent who works in English: for checks that read the
    English wording of a screen."""

    def make(agent):
        agent.language = "en"
        agent.save(update_fields=["language"])
        return browser_as(agent)

    return make
