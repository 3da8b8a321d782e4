"""``helpwire run`` on a fresh data dir: migrates, serves, works tasks and timers, stops."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(bool(os.environ.get("DATABASE_URL")),
                                reason="exercises the embedded SQLite set-up")

SCRIPT = """
from datetime import timedelta
from django.utils import timezone
from helpwire.accounts.models import Agent
from helpwire.connectors.models import Channel
from helpwire.conversations import ingest, reply
from helpwire.conversations.types import InboundMessage, Sender
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


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _shell(env: dict[str, str], code: str) -> str:
    out = subprocess.run([sys.executable, "-m", "helpwire", "shell", "-c", code], env=env,
                         capture_output=True, text=True, timeout=60, check=True)
    return out.stdout.strip().splitlines()[-1]


def test_it_runs_web_worker_and_scheduler_together(tmp_path: Path):
    port = _free_port()
    env = {**os.environ, "HELPWIRE_DATA_DIR": str(tmp_path / "var")}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    proc = subprocess.Popen([sys.executable, "-m", "helpwire", "run", "--port", str(port)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=2) as r:  # noqa: S310
                    assert r.read() == b"ok"
                    break
            except OSError:
                assert proc.poll() is None, proc.stdout.read().decode() if proc.stdout else ""
                assert time.monotonic() < deadline, "server did not come up"
                time.sleep(0.5)
        with urllib.request.urlopen(base + "/admin/login/", timeout=5) as r:  # noqa: S310
            page = r.read().decode()
        assert 'name="username"' in page
        css = page.split('href="/static/')[1].split('"')[0]
        with urllib.request.urlopen(f"{base}/static/{css}", timeout=5) as r:  # noqa: S310
            assert r.status == 200

        pk = _shell(env, SCRIPT)
        deadline = time.monotonic() + 30
        while (state := _shell(env, CHECK.format(pk=pk))) != "open sent":
            assert time.monotonic() < deadline, f"worker did not finish: {state}"
            time.sleep(0.5)
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        proc.wait(timeout=20)
    assert proc.returncode is not None
    # No child survives the parent.
    time.sleep(0.5)
    ps = subprocess.run(["pgrep", "-f", f"--port {port}"], capture_output=True, text=True)
    assert ps.stdout.strip() == ""
