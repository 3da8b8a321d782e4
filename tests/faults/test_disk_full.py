"""A full disk under the data dir (issue #11): ``mail deliver`` exits 75 and leaves nothing
half-written; once there is room, the MTA's retry stores the mail once.

The data dir (raw mail under mail/, attachment files under attachments/) is a 2 MiB tmpfs
mounted for the test (a loop-mounted ext4 image where tmpfs cannot be mounted); the
database is PostgreSQL, outside it, so only Helpwire's own files meet the full disk. The
same mail (attachments of 100 and 300 kB) is piped in three times, as an MTA retries it:

1. the disk is full: exit 75, no file (not even an empty one), no row;
2. there is room for the raw mail and the first attachment, not the second: exit 75; the raw
   mail is kept whole with its row (the next try takes it in from there), no attachment file
   (neither the half-written one nor the whole one before it), no message;
3. there is room: exit 0, one message with its attachment intact, one raw mail.
"""

from __future__ import annotations

import os
import random
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.faults.harness import FakeMta, process_env, query, shell
from tests.faults.mails import check_stored, make_mail

pytestmark = pytest.mark.slow
SIZE = 2 * 1024 * 1024


def _mount(point: Path, image: Path) -> str:
    """Mount a small file system at ``point``: tmpfs, else ext4 in a loop-mounted image."""
    tries = [["mount", "-t", "tmpfs", "-o", f"size={SIZE}", "tmpfs", str(point)]]
    if shutil.which("mkfs.ext4"):
        tries.append(["sh", "-c", f"truncate -s {SIZE * 2} {image} && "
                                  f"mkfs.ext4 -q -m 0 {image} && mount -o loop {image} {point}"])
    errors = []
    for command in tries:
        out = subprocess.run(command, capture_output=True, text=True)
        if out.returncode == 0:
            return command[2] if command[0] == "mount" else "ext4 (loop)"
        errors.append(out.stderr.strip())
    reason = f"cannot mount a small file system here: {errors}"
    if os.environ.get("CI") == "true":
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    point = tmp_path / "disk"
    point.mkdir()
    _mount(point, tmp_path / "disk.img")
    try:
        yield point
    finally:
        subprocess.run(["umount", "-l", str(point)], check=False)


def fill(disk: Path, leave: int = 0) -> Path:
    """Write a filler file until only about ``leave`` bytes are free."""
    filler = disk / "filler"
    chunk = b"\0" * 65536
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    try:
        while (free := shutil.disk_usage(disk).free) > leave:
            try:
                os.write(fd, chunk[: max(4096, min(len(chunk), free - leave))])
            except OSError:  # full
                break
    finally:
        os.close(fd)
    return filler


def files_under(folder: Path) -> dict[str, bytes]:
    return ({str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*")
             if p.is_file()} if folder.exists() else {})


def test_it_tempfails_without_half_written_files_when_the_disk_is_full_then_stores_once(
        fault_db, small_disk):
    env = process_env(fault_db, small_disk, HELPWIRE_SECRET_KEY="disk-full-" + "k" * 40)
    shell(env, "from helpwire.core.actors import Actor\n"
               "from helpwire.mail.actions import create_mailbox\n"
               "create_mailbox(actor=Actor.system('cli'), address='pipe@shop.test')\n"
               "print('[]')")
    mail = make_mail(1, random.Random(11_2029), to="pipe@shop.test", sizes=[100_000, 300_000])
    mta = FakeMta(env, "pipe@shop.test")

    def rows() -> tuple[int, int, int]:
        return query(fault_db, "SELECT (SELECT count(*) FROM mail_rawmail), "
                               "(SELECT count(*) FROM tickets_message), "
                               "(SELECT count(*) FROM tickets_ticket)")[0]

    filler = fill(small_disk)
    assert mta.attempt(mail.raw) == 75
    assert files_under(small_disk / "mail") == {}, "a half-written raw mail was left"
    assert files_under(small_disk / "attachments") == {}
    assert rows() == (0, 0, 0)

    filler.unlink()
    fill(small_disk, leave=len(mail.raw) + 200_000)
    assert mta.attempt(mail.raw) == 75
    raw_files = list(files_under(small_disk / "mail").values())
    assert raw_files == [mail.raw], "the raw mail is kept whole, or not at all"
    assert files_under(small_disk / "attachments") == {}, "a half-written attachment was left"
    assert rows() == (1, 0, 0)
    assert query(fault_db, "SELECT state FROM mail_rawmail") == [("stored",)]

    (small_disk / "filler").unlink()
    assert mta.attempt(mail.raw) == 0
    assert rows() == (1, 1, 1)
    assert query(fault_db, "SELECT state FROM mail_rawmail") == [("taken",)]
    assert list(files_under(small_disk / "mail").values()) == [mail.raw]
    assert len(files_under(small_disk / "attachments")) == 2
    check_stored(fault_db, small_disk / "attachments", [mail])
