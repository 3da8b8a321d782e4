"""Servers in the background and a logged-in client that times what a person waits for:
one keep-alive connection on loopback, cookies kept, CSRF taken from the login form."""

from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import subprocess
import time
import urllib.parse
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from harness.common import percentiles


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def background(cmd: Sequence[str], *, env: dict[str, str], log: Path, port: int,
               ready_path: str = "/", timeout: float = 120) -> Iterator[subprocess.Popen[bytes]]:
    """``cmd`` in its own process group until the block ends; up once ``ready_path``
    answers on ``port`` (any status but a refused connection)."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as out:
        proc = subprocess.Popen(list(cmd), env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"{cmd[0]} exited with {proc.returncode}; see {log}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                conn.request("GET", ready_path)
                conn.getresponse().read()
                conn.close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{cmd[0]} did not answer on {port}; see {log}") from None
                time.sleep(0.2)
        yield proc
    finally:
        stop(proc)


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        except ProcessLookupError:
            pass


class Client:
    """A browser-like session on one keep-alive connection."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, bytes, dict[str, str]]:
        sent = {"Host": f"127.0.0.1:{self.port}", "Accept-Language": "ru",
                **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body=body, headers=sent)
                response = self.conn.getresponse()
                data = response.read()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # A server may close a kept-alive connection between requests: reconnect once.
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                if attempt == 2:
                    raise
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key.strip()] = rest.split(";", 1)[0]
        return response.status, data, {k.lower(): v for k, v in response.getheaders()}

    def get(self, path: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
        status, data, _ = self.request("GET", path, headers=headers)
        return status, data

    def login(self, path: str, username: str, password: str) -> None:
        status, page = self.get(path)
        match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        if status != 200 or not match:
            raise RuntimeError(f"no login form at {path} ({status})")
        body = urllib.parse.urlencode({"csrfmiddlewaretoken": match.group(1).decode(),
                                       "username": username, "password": password}).encode()
        status, _, _headers = self.request(
            "POST", path, body=body,
            headers={"Content-Type": "application/x-www-form-urlencoded",
                     "Referer": f"http://127.0.0.1:{self.port}{path}"})
        if status not in (302, 303):
            raise RuntimeError(f"login as {username} at {path} failed ({status})")

    def time(self, paths: Sequence[str | Sequence[str]], *, runs: int, warmup: int = 2,
             headers: dict[str, str] | None = None, budget: float = 60.0) -> dict[str, float]:
        """Percentiles of GETs cycling through ``paths`` (each must answer 200). An entry that
        is a list is one sample: a page and the requests it makes at once, one after the
        other, as a person waits for them all."""
        def fetch(entry: str | Sequence[str]) -> None:
            for path in [entry] if isinstance(entry, str) else entry:
                status, _ = self.get(path, headers)
                if status != 200:
                    raise RuntimeError(f"GET {path} answered {status}")

        for entry in list(paths)[:warmup]:
            fetch(entry)
        samples: list[float] = []
        began = time.monotonic()
        for i in range(runs):
            t0 = time.perf_counter()
            fetch(paths[i % len(paths)])
            samples.append(time.perf_counter() - t0)
            if time.monotonic() - began > budget:
                break
        return percentiles(samples)


def rss_mb(root_pid: int) -> float:
    """Resident memory of a process and all its descendants, in MB (shared pages counted in
    every process that maps them)."""
    return _tree_memory(root_pid)[0]


def pss_mb(root_pid: int) -> float:
    """Proportional set size of the tree, in MB: each shared page split among the processes
    that share it, so the sum is what the tree really occupies."""
    return _tree_memory(root_pid)[1]


def _tree_memory(root_pid: int) -> tuple[float, float]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
            children.setdefault(ppid, []).append(int(entry))
    rss = pss = 0
    todo = [root_pid]
    while todo:
        pid = todo.pop()
        todo.extend(children.get(pid, []))
        try:
            with open(f"/proc/{pid}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Rss:"):
                        rss += int(line.split()[1])
                    elif line.startswith("Pss:"):
                        pss += int(line.split()[1])
        except OSError:
            continue
    return round(rss / 1024, 1), round(pss / 1024, 1)
