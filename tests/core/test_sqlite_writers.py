"""SQLite's writer queue [#11]: write transactions take turns in the order they came within a
process, wait for another process's transaction without SQLite's busy-handler sleeps, give up
cleanly after the timeout, and always hand the turn on at commit or rollback."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
import threading
import time

import pytest
from django.db import OperationalError, connection, transaction

from helpwire.core.sqlite.base import WriterQueue, queue_for
from helpwire.tickets.models import Tag

pytestmark = pytest.mark.sqlite


def _wait_until(check, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


def test_it_serves_writers_in_the_order_they_came(tmp_path):
    queue = WriterQueue(str(tmp_path / "db"))
    queue.acquire(timeout=5)
    order: list[int] = []
    threads = []
    for n in range(5):
        def writer(n: int = n) -> None:
            queue.acquire(timeout=10)
            order.append(n)
            queue.release()
        thread = threading.Thread(target=writer)
        thread.start()
        threads.append(thread)
        _wait_until(lambda n=n: queue.next_ticket == n + 2)  # this one is queued now
    queue.release()
    for thread in threads:
        thread.join(10)
    assert order == [0, 1, 2, 3, 4]


HOLDER = """
import sys, time
from helpwire.core.sqlite.base import WriterQueue
q = WriterQueue(sys.argv[1])
q.acquire(timeout=5)
print("held", flush=True)
time.sleep(float(sys.argv[2]))
open(sys.argv[1] + ".released", "w").write("1")
q.release()
"""


def _holder(path: str, seconds: float) -> subprocess.Popen[str]:
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, path, str(seconds)],
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
    return proc


def test_it_waits_for_another_process_and_starts_when_it_releases(tmp_path):
    path = str(tmp_path / "db")
    holder = _holder(path, 0.5)
    queue = WriterQueue(path)
    queue.acquire(timeout=10)
    try:
        assert os.path.exists(path + ".released")  # not a moment before the other let go
    finally:
        queue.release()
        holder.wait(10)


def test_it_gives_up_after_the_timeout_and_the_queue_moves_on(tmp_path):
    path = str(tmp_path / "db")
    holder = _holder(path, 1.5)
    queue = WriterQueue(path)
    with pytest.raises(OperationalError, match="locked"):
        queue.acquire(timeout=0.2)
    holder.wait(10)
    queue.acquire(timeout=5)  # neither the in-process turn nor the file lock is stuck
    queue.release()


def test_it_keeps_the_turn_through_a_savepoint_rollback(db):
    queue = queue_for(os.path.abspath(str(connection.settings_dict["NAME"])))

    def free() -> bool:
        with open(queue.path) as f:
            try:
                fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return False
            fcntl.flock(f, fcntl.LOCK_UN)
            return True

    # The test itself runs in a transaction (pytest-django's TestCase); nested blocks are
    # savepoints, so check from the outer level that the turn is held now and freed later.
    assert connection.in_atomic_block
    assert not free()
    with pytest.raises(RuntimeError), transaction.atomic():
        Tag.objects.create(name="rolled-back")
        raise RuntimeError
    assert not free()  # a savepoint's rollback keeps the outer transaction's turn


@pytest.mark.django_db(transaction=True)
def test_it_frees_the_writer_lock_after_each_transaction():
    queue = queue_for(os.path.abspath(str(connection.settings_dict["NAME"])))
    with transaction.atomic():
        Tag.objects.create(name="kept")
    with pytest.raises(RuntimeError), transaction.atomic():
        Tag.objects.create(name="rolled-back")
        raise RuntimeError
    with open(queue.path) as f:
        fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)  # raises if a turn was left held
        fcntl.flock(f, fcntl.LOCK_UN)
    assert queue.serving == queue.next_ticket
    assert list(Tag.objects.filter(name__in=["kept", "rolled-back"]).values_list(
        "name", flat=True)) == ["kept"]
