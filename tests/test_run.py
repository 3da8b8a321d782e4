"""``helpwire run`` on a fresh data dir: migrates, serves, works tasks and timers, stops."""

from __future__ import annotations

import os
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from tests.helpwire_process import helpwire_run

pytestmark = pytest.mark.sqlite  # the embedded set-up: `helpwire run` on its own SQLite

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


def _group(pgid: int) -> dict[int, str]:
    """The processes of a process group: pid → command line."""
    out = subprocess.run(["pgrep", "-a", "-g", str(pgid)], capture_output=True, text=True)
    return {int(line.split(" ", 1)[0]): line.split(" ", 1)[1]
            for line in out.stdout.splitlines() if line.strip()}


def _alive(pids: list[int]) -> list[int]:
    alive = []
    for pid in pids:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            continue
        alive.append(pid)
    return alive


def _kinds(group: dict[int, str]) -> set[str]:
    return {kind for cmd in group.values() for kind in ("web", "worker")
            if f"helpwire {kind}" in cmd}


def test_it_runs_web_worker_and_scheduler_together_and_stops_them_all(tmp_path: Path):
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

        group = _group(server.proc.pid)
        assert _kinds(group) == {"web", "worker"}, group
        # Ctrl-C reaches only the parent here: it must stop its children itself.
        os.kill(server.proc.pid, signal.SIGTERM)
        assert server.proc.wait(timeout=20) == 0
        deadline = time.monotonic() + 10
        while _alive(list(group)) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _alive(list(group)) == [], _group(server.proc.pid)


def test_it_stops_everything_and_says_so_when_the_worker_dies(tmp_path: Path):
    with helpwire_run(tmp_path / "var") as server:
        group = _group(server.proc.pid)
        worker = next(pid for pid, cmd in group.items() if "helpwire worker" in cmd)
        os.kill(worker, signal.SIGKILL)
        assert server.proc.wait(timeout=20) != 0
        deadline = time.monotonic() + 10
        while _alive(list(group)) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _alive(list(group)) == []
        assert "the worker process stopped" in server.log.read_text(errors="replace")
