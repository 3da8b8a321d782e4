"""Files written in batches and commits that wait for the disk together [#11]."""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from helpwire.core.commits import deferred_durability
from helpwire.core.files import write_durably_many


def _setting() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        return cursor.fetchone()[0]


def test_it_writes_a_batch_of_files(tmp_path):
    items = [(tmp_path / "a" / f"{i}.eml", f"mail {i}".encode()) for i in range(5)]
    write_durably_many(items)
    assert [p.read_bytes() for p, _c in items] == [c for _p, c in items]


def test_it_leaves_no_file_of_a_batch_that_failed(tmp_path):
    blocker = tmp_path / "blocker"
    blocker.write_bytes(b"")  # a file where a folder should be: the second write fails
    items = [(tmp_path / "a" / "1.eml", b"one"), (blocker / "2.eml", b"two")]
    with pytest.raises(OSError):
        write_durably_many(items)
    assert not (tmp_path / "a" / "1.eml").exists()


def test_it_refuses_to_overwrite_a_kept_file(tmp_path):
    (tmp_path / "1.eml").write_bytes(b"kept")
    with pytest.raises(FileExistsError):
        write_durably_many([(tmp_path / "0.eml", b"new"), (tmp_path / "1.eml", b"other")])
    assert (tmp_path / "1.eml").read_bytes() == b"kept"
    assert not (tmp_path / "0.eml").exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_it_defers_durability_only_inside_the_block():
    assert _setting() == "on"
    with deferred_durability():
        assert _setting() == "off"
        with transaction.atomic():
            pass
    assert _setting() == "on"  # the next commit (the poll's position) waits for the disk
    with transaction.atomic(), deferred_durability():
        assert _setting() == "on"  # inside a transaction it would outlive the block: no-op
