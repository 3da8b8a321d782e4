"""``helpwire web --workers N`` [#11 item 3]: several HTTP processes with Redis (presence
and rate limits shared there); refused without it, where they would split them; the
connections spread over all of them."""

from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from helpwire import supervise
from tests.helpwire_process import free_port

REDIS = ("127.0.0.1", 6379)


def _env(data: Path, **extra: str) -> dict[str, str]:
    env = {**os.environ, "HELPWIRE_DATA_DIR": str(data), **extra}
    for name in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "REDIS_URL"):
        if name not in extra:
            env.pop(name, None)
    return env


def _redis_up() -> bool:
    try:
        socket.create_connection(REDIS, timeout=1).close()
    except OSError:
        return False
    return True


def _socket_pids(port: int, state: str) -> list[int]:
    """The processes holding TCP sockets on this local port in that state (``ss``)."""
    out = subprocess.run(["ss", "-Htnp", "state", state, f"( sport = :{port} )"],
                         capture_output=True, text=True, check=True).stdout
    return [int(pid) for pid in re.findall(r"pid=(\d+)", out)]


def test_it_refuses_a_port_in_use(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        out = subprocess.run([sys.executable, "-m", "helpwire", "web", "--port", str(port),
                              "--workers", "2"],
                             env=_env(tmp_path, REDIS_URL="redis://127.0.0.1:6379/15"),
                             capture_output=True, text=True, timeout=60)
    assert out.returncode != 0 and f"cannot listen on 127.0.0.1:{port}" in out.stderr


def test_it_refuses_several_web_workers_without_redis(tmp_path):
    out = subprocess.run([sys.executable, "-m", "helpwire", "web", "--workers", "2"],
                         env=_env(tmp_path), capture_output=True, text=True, timeout=60)
    assert out.returncode != 0 and "REDIS_URL" in out.stderr


def test_it_serves_from_several_processes_with_redis(tmp_path):
    if not _redis_up():
        if os.environ.get("CI") == "true":
            pytest.fail("Redis is not running on 127.0.0.1:6379")
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    env = _env(tmp_path, REDIS_URL="redis://127.0.0.1:6379/15")
    subprocess.run([sys.executable, "-m", "helpwire", "migrate", "-v0"], env=env, check=True,
                   timeout=120)
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "helpwire", "web", "--port", str(port),
                             "--workers", "2"], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz",
                                            timeout=2) as r:
                    assert r.status == 200
                    break
            except OSError:
                assert time.monotonic() < deadline, "the web server never answered"
                time.sleep(0.5)
        children = subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True,
                                  text=True).stdout.split()
        assert len(children) == 2
        while len(_socket_pids(port, "listening")) < 2:
            assert time.monotonic() < deadline, "the second worker never listened"
            time.sleep(0.2)
        listening = time.monotonic()  # both workers were started before this
        # Sixteen keep-alive connections, as a proxy's upstream pool holds them: both
        # workers get some (one socket shared by all used to hand every one to the
        # worker that woke first; the odds of a fair split leaving one idle are 1 in 30,000).
        connections = []
        for _ in range(16):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            conn.request("GET", "/healthz")
            conn.getresponse().read()
            connections.append(conn)
        served = _socket_pids(port, "established")
        assert set(served) == {int(c) for c in children}, served
        for conn in connections:
            conn.close()
        # A worker that dies once started is replaced; the supervisor holds no Django.
        assert "helpwire.supervise" in Path(f"/proc/{proc.pid}/cmdline").read_text()
        time.sleep(max(0.0, listening + supervise.STARTUP_GRACE + 0.5 - time.monotonic()))
        os.kill(int(children[0]), signal.SIGKILL)
        while True:
            now = subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True,
                                 text=True).stdout.split()
            if len(now) == 2 and children[0] not in now:
                break
            assert time.monotonic() < listening + 60, "the dead worker was not replaced"
            time.sleep(0.2)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
