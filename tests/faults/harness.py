"""Tools for the fault tests: real ``helpwire`` processes on a database of their own, killed
and started again; a fake MTA; an API client that retries like an integration would; mails
with attachments and what must come of them."""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg

from tests.mail.servers import free_port

# How big the fault tests run: 1,000 messages in CI, 10,000 for the full run (README.md).
MESSAGES = int(os.environ.get("HELPWIRE_FAULT_MESSAGES", "1000"))
ROUNDS = 20  # kills of each process kind
EX_TEMPFAIL = 75


# --- databases ------------------------------------------------------------------------------
def server_url(dbname: str) -> str:
    """A database on the server the suite runs on (DATABASE_URL), by name."""
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path=f"/{dbname}"))


def admin_sql(*statements: str) -> None:
    with psycopg.connect(server_url("postgres"), autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)  # type: ignore[arg-type]


def query(url: str, sql: str, *params: object) -> list[tuple]:
    with psycopg.connect(url, autocommit=True) as conn:
        return conn.execute(sql, params).fetchall()  # type: ignore[arg-type]


# --- processes --------------------------------------------------------------------------------
def process_env(database_url: str, data: Path, **extra: str) -> dict[str, str]:
    env = {**os.environ, "DATABASE_URL": database_url, "HELPWIRE_DATA_DIR": str(data),
           # Retried requests must not run into the API's rate limit.
           "HELPWIRE_API_RATE": "100000/m", **extra}
    for name in ("DJANGO_SETTINGS_MODULE", "HELPWIRE_MAIL_DIR", "REDIS_URL"):
        env.pop(name, None)
    return env


def helpwire(env: dict[str, str], *args: str, stdin: bytes | None = None,
             timeout: float = 120) -> str:
    """Run a ``helpwire`` command to its end; its standard output (it must succeed)."""
    out = subprocess.run([sys.executable, "-m", "helpwire", *args], env=env, input=stdin,
                         capture_output=True, timeout=timeout)
    assert out.returncode == 0, out.stderr.decode(errors="replace")[-3000:]
    return out.stdout.decode()


def shell(env: dict[str, str], code: str) -> object:
    """Run ``code`` in ``helpwire shell``; it prints one JSON value last, which is returned."""
    return json.loads(helpwire(env, "shell", "-c", code).strip().splitlines()[-1])


class Service:
    """A long-running ``helpwire web`` or ``worker`` in its own process group, its output
    appended to a log file; started again after each kill, as a supervisor would."""

    def __init__(self, name: str, args: list[str], env: dict[str, str], log: Path,
                 ready: Callable[[Service], bool], url: str = "") -> None:
        self.name, self.args, self.env, self.log, self._ready = name, args, env, log, ready
        self.url = url  # where the web process answers
        self.proc: subprocess.Popen[bytes] | None = None
        self.log_offset = 0
        self.starts = self.kills = 0

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc else None

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def new_output(self) -> str:
        with self.log.open("rb") as fh:
            fh.seek(self.log_offset)
            return fh.read().decode(errors="replace")

    def start(self, timeout: float = 90) -> None:
        self.log_offset = self.log.stat().st_size if self.log.exists() else 0
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen([sys.executable, "-m", "helpwire", *self.args],
                                         env=self.env, stdout=out, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, start_new_session=True)
        self.starts += 1
        deadline = time.monotonic() + timeout
        while not self._ready(self):
            assert self.alive(), f"{self.name} died on start:\n{self.new_output()[-3000:]}"
            assert time.monotonic() < deadline, f"{self.name} did not come up"
            time.sleep(0.05)

    def kill(self) -> None:
        assert self.proc is not None
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)
        self.kills += 1

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)


def web(env: dict[str, str], log: Path, port: int | None = None) -> Service:
    port = port or free_port()

    def answers(service: Service) -> bool:
        url = f"http://127.0.0.1:{port}/healthz"
        with contextlib.suppress(OSError), urllib.request.urlopen(url, timeout=2) as r:
            return r.status == 200
        return False

    return Service("web", ["web", "--port", str(port)], env, log, answers,
                   url=f"http://127.0.0.1:{port}")


def worker(env: dict[str, str], log: Path) -> Service:
    # db_worker logs this line once it is about to take tasks (the scheduler thread is up).
    return Service("worker", ["worker"], env, log,
                   lambda s: "Starting worker" in s.new_output())


def chaos(service: Service, rounds: int, rng: random.Random, *, lived: tuple[float, float],
          stop: threading.Event) -> threading.Thread:
    """A thread that kills ``service`` (SIGKILL, its whole process group) ``rounds`` times,
    each a random while after it came up, and starts it again each time."""

    def run() -> None:
        for _ in range(rounds):
            if stop.wait(rng.uniform(*lived)):
                return
            service.kill()
            service.start()

    thread = threading.Thread(target=run, name=f"chaos-{service.name}", daemon=True)
    thread.start()
    return thread


# --- the fake MTA -----------------------------------------------------------------------------
@dataclass
class MtaReport:
    attempts: int = 0
    kills: int = 0  # attempts we killed while they ran
    tempfails: int = 0  # exit 75: the MTA keeps the mail and tries again
    bounced: list[str] = field(default_factory=list)  # any other exit: the mail is lost


class FakeMta:
    """What an MTA's pipe transport does: ``helpwire mail deliver --mailbox A`` with the mail
    on standard input; exit 0 → delivered, 75 (EX_TEMPFAIL) or killed by a signal → deferred
    and tried again, anything else → bounced to the sender (lost to us: a failure)."""

    def __init__(self, env: dict[str, str], mailbox: str, *, retry_delay: float = 0.3,
                 max_attempts: int = 200) -> None:
        self.env, self.mailbox = env, mailbox
        self.retry_delay, self.max_attempts = retry_delay, max_attempts
        self.report = MtaReport()
        self._lock = threading.Lock()

    def attempt(self, raw: bytes, kill_after: float | None = None) -> int:
        """One delivery attempt; ``kill_after``: SIGKILL it that many seconds after it has
        read the mail from the pipe (so the kill lands while it keeps and takes in)."""
        proc = subprocess.Popen([sys.executable, "-m", "helpwire", "mail", "deliver",
                                 "--mailbox", self.mailbox], env=self.env,
                                stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, start_new_session=True)
        assert proc.stdin is not None and proc.stderr is not None
        # A mail larger than the pipe's buffer (64 KiB) makes this wait until the process
        # reads it: after Django's start-up, when it begins to keep the mail.
        with contextlib.suppress(BrokenPipeError):
            proc.stdin.write(raw)
            proc.stdin.close()
        killed = False
        if kill_after is not None:
            try:
                proc.wait(timeout=kill_after)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                killed = True
        err = proc.stderr.read().decode(errors="replace")
        rc = proc.wait(timeout=300)
        with self._lock:
            self.report.attempts += 1
            if killed and rc == -signal.SIGKILL:
                self.report.kills += 1
            elif rc == EX_TEMPFAIL:
                self.report.tempfails += 1
            elif rc != 0:
                self.report.bounced.append(f"exit {rc}: {err[-2000:]}")
        return rc

    def deliver(self, raw: bytes, kill: Callable[[], float | None] = lambda: None) -> bool:
        """Until kept (exit 0), as an MTA retries a deferred mail; False if it bounced.
        ``kill`` is asked before each attempt: a delay to kill that attempt after, or None."""
        for _ in range(self.max_attempts):
            rc = self.attempt(raw, kill())
            if rc == 0:
                return True
            if rc not in (EX_TEMPFAIL, -signal.SIGKILL):
                return False
            time.sleep(self.retry_delay)
        return False


def run_parallel(jobs: list[Callable[[], object]], workers: int,
                 span: float = 0.0) -> list[object]:
    """Run the jobs on ``workers`` threads, job i not before i/len × ``span`` seconds from
    now (spread over a while); their results (an exception stands for one that raised)."""
    results: list[object] = [None] * len(jobs)
    todo = iter(range(len(jobs)))
    lock = threading.Lock()
    began = time.monotonic()

    def run() -> None:
        while True:
            with lock:
                i = next(todo, None)
            if i is None:
                return
            time.sleep(max(0.0, began + span * i / len(jobs) - time.monotonic()))
            try:
                results[i] = jobs[i]()
            except Exception as exc:
                results[i] = exc

    threads = [threading.Thread(target=run, daemon=True) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def in_background(func: Callable[[], object], name: str) -> threading.Thread:
    thread = threading.Thread(target=func, name=name, daemon=True)
    thread.start()
    return thread


# --- the API as an integration uses it --------------------------------------------------------
@dataclass
class ApiReport:
    requests: int = 0
    refused: int = 0  # no connection, a dropped one, or a timeout: sent again
    server_errors: int = 0  # 5xx: sent again
    rejected: list[str] = field(default_factory=list)  # any other non-2xx: a failure


class ApiClient:
    """Posts JSON with a bearer token and sends it again, unchanged, until it is accepted
    (2xx), as an integration with an idempotency key does."""

    def __init__(self, url: str, token: str, *, give_up_after: float = 180) -> None:
        self.url, self.token, self.give_up_after = url, token, give_up_after
        self.report = ApiReport()
        self._lock = threading.Lock()

    def post(self, path: str, body: dict[str, object]) -> dict[str, Any] | None:
        return self.send("POST", path, body)

    def put(self, path: str, body: dict[str, object]) -> dict[str, Any] | None:
        return self.send("PUT", path, body)

    def send(self, method: str, path: str, body: dict[str, object]) -> dict[str, Any] | None:
        """The answer once accepted; None when refused (4xx) or never accepted in time
        (``give_up_after`` 0: one try)."""
        data = json.dumps(body).encode()
        deadline = time.monotonic() + self.give_up_after
        while True:
            req = urllib.request.Request(  # noqa: S310 (http://127.0.0.1 only)
                self.url + path, data=data, method=method,
                headers={"Authorization": f"Bearer {self.token}",
                         "Content-Type": "application/json"})
            with self._lock:
                self.report.requests += 1
            try:
                with urllib.request.urlopen(req, timeout=20) as r:  # noqa: S310
                    return json.loads(r.read())
            except urllib.error.HTTPError as exc:
                if exc.code < 500 and exc.code != 429:
                    with self._lock:
                        self.report.rejected.append(f"{exc.code}: {exc.read()[:500]!r}")
                    return None
                with self._lock:
                    self.report.server_errors += 1
            except (OSError, ValueError):  # refused, reset, timed out, a cut-off body
                with self._lock:
                    self.report.refused += 1
            if time.monotonic() >= deadline:
                with self._lock:
                    self.report.rejected.append(f"never accepted: {path}")
                return None
            time.sleep(0.2)


# --- waiting ----------------------------------------------------------------------------------
def wait_for(predicate: Callable[[], bool], *, timeout: float, what: str,
             every: float = 1.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(every)


def wait_while_growing(count: Callable[[], int], target: int, *, idle: float) -> int:
    """Wait until ``count()`` reaches ``target`` or has not grown for ``idle`` seconds (what
    is missing then is not coming: the caller's check says what it is); the last count."""
    last, since = count(), time.monotonic()
    while last < target and time.monotonic() - since < idle:
        time.sleep(1)
        if (now := count()) > last:
            last, since = now, time.monotonic()
    return last


@contextlib.contextmanager
def services(*running: Service) -> Iterator[None]:
    """Stop the services however the test ends."""
    try:
        yield
    finally:
        for service in running:
            service.stop()
