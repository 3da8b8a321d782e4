"""The command lines other tools script against, exactly as written in the issue:
``helpwire mailbox create|list`` and ``helpwire mail deliver|poll``."""

from __future__ import annotations

import io
import json
import sys

import pytest
from django.core.management import call_command
from django.db import DatabaseError

from helpwire.mail import crypto, intake
from helpwire.mail.models import Mailbox, RawMail
from helpwire.tickets.models import Ticket
from tests.mail.test_intake import mail


def run(*args: str, stdin: bytes | None = None, monkeypatch=None) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin)))
    try:
        call_command(*args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue()


def test_it_creates_mailboxes_from_the_command_line_and_lists_them(db, tmp_path):
    secret = tmp_path / "pw"
    secret.write_text("s3cret-imap\n")
    code, out, _ = run("mailbox", "create", "--address", "Support@Shop.test", "--name",
                       "Поддержка", "--group", "Первая линия", "--imap-host", "imap.shop.test",
                       "--imap-port", "993", "--imap-security", "ssl", "--imap-user", "support",
                       "--imap-password-file", str(secret), "--smtp-host", "smtp.shop.test",
                       "--smtp-port", "587", "--smtp-security", "starttls", "--smtp-user",
                       "support", "--smtp-password", "s3cret-smtp", "--poll-seconds", "30")
    assert code == 0 and "support@shop.test" in out
    box = Mailbox.objects.get()
    assert box.channel.default_group.name == "Первая линия"
    assert crypto.decrypt(box.imap_secret) == "s3cret-imap"
    assert "s3cret" not in box.imap_secret + box.smtp_secret  # encrypted at rest
    run("mailbox", "create", "--address", "pipe@shop.test")
    _code, listing, _ = run("mailbox", "list")
    lines = listing.strip().splitlines()
    assert [line.split("\t")[0] for line in lines] == ["pipe@shop.test", "support@shop.test"]
    rows = json.loads(run("mailbox", "list", "--json")[1])
    assert rows[1]["imap"] == "imap.shop.test:993" and rows[1]["poll_seconds"] == 30


def test_it_exits_zero_when_the_bytes_are_kept_whatever_they_are(db, monkeypatch):
    run("mailbox", "create", "--address", "pipe@shop.test")
    code, out, _ = run("mail", "deliver", "--mailbox", "pipe@shop.test", stdin=mail(),
                       monkeypatch=monkeypatch)
    assert code == 0 and out.startswith("taken")
    code, out, _ = run("mail", "deliver", "--mailbox", "pipe@shop.test", stdin=mail(),
                       monkeypatch=monkeypatch)
    assert code == 0 and out.startswith("duplicate")
    code, out, _ = run("mail", "deliver", "--mailbox", "pipe@shop.test",
                       stdin=b"\x00\xff not mail", monkeypatch=monkeypatch)
    assert code == 0 and out.startswith("quarantined")
    assert Ticket.objects.count() == 1 and RawMail.objects.count() == 2


def test_it_exits_75_so_the_mta_retries_when_it_cannot_keep_the_mail(db, monkeypatch):
    run("mailbox", "create", "--address", "pipe@shop.test")

    def down(**kwargs):
        raise DatabaseError("connection refused")

    monkeypatch.setattr(intake, "deliver", down)
    code, _out, err = run("mail", "deliver", "--mailbox", "pipe@shop.test", stdin=mail(),
                          monkeypatch=monkeypatch)
    assert code == 75 and "connection refused" in err
    code, _out, _err = run("mail", "deliver", "--mailbox", "nobody@shop.test", stdin=mail(),
                           monkeypatch=monkeypatch)
    assert code == 75


def test_it_refuses_an_imap_host_without_a_password(db):
    with pytest.raises(Exception, match="imap-password"):
        call_command("mailbox", "create", "--address", "a@shop.test", "--imap-host", "x")
