"""``helpwire run`` on a fresh data dir: migrates, serves, works tasks and timers, stops."""

from __future__ import annotations

import os
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from tests.helpwire_process import helpwire_run

pytestmark = pytest.mark.skipif(bool(os.environ.get("DATABASE_URL")),
                                reason="exercises the embedded SQLite set-up")

SCRIPT = """
from datetime import timedelta
from django.utils import timezone
from helpwire.accounts.models import Agent
from helpwire.connectors.models import Channel
from helpwire.conversations import ingest, reply
from helpwire.connectors.types import InboundMessage, Sender
from helpwire.core.actors import Actor
from helpwire.tickets.actions import set_reminder
agent = Agent.objects.create_user("smoke@example.com", "pw-123456", name="Smoke", role="admin")
t = ingest(InboundMessage(channel_id=Channel.builtin("api").pk,
                          sender=Sender(email="c@example.com"), text="hi")).ticket
reply(ticket=t, actor=Actor.of_agent(agent), text="hello")
set_reminder(ticket=t, at=timezone.now() + timedelta(seconds=1), actor=Actor.of_agent(agent))
print(t.pk)
"""

CHECK = """
from helpwire.tickets.models import Message, Ticket
t = Ticket.objects.get(pk={pk})
print(t.status, Message.objects.get(ticket=t, kind="outbound").delivery_state)
"""


def test_it_runs_web_worker_and_scheduler_together(tmp_path: Path):
    with helpwire_run(tmp_path / "var") as server:
        with urllib.request.urlopen(server.url + "/admin/login/", timeout=5) as r:  # noqa: S310
            page = r.read().decode()
        assert 'name="username"' in page
        css = page.split('href="/static/')[1].split('"')[0]
        with urllib.request.urlopen(f"{server.url}/static/{css}", timeout=5) as r:  # noqa: S310
            assert r.status == 200

        pk = server.shell(SCRIPT)
        deadline = time.monotonic() + 30
        while (state := server.shell(CHECK.format(pk=pk))) != "open sent":
            assert time.monotonic() < deadline, f"worker did not finish: {state}"
            time.sleep(0.5)
    assert server.proc.returncode is not None
    # No child survives the parent.
    time.sleep(0.5)
    ps = subprocess.run(["pgrep", "-f", f"--port {server.port}"], capture_output=True,
                        text=True)
    assert ps.stdout.strip() == ""
