"""The poller killed (SIGKILL) 20 times at random points while it takes mail from a real
Dovecot: afterwards every message is there exactly once and marked seen [CH1]."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time

import pytest

from tests.mail.test_intake import mail

pytestmark = pytest.mark.slow
MESSAGES = 30


def _helpwire(env, *args, check=True):
    out = subprocess.run([sys.executable, "-m", "helpwire", *args], env=env,
                         capture_output=True, text=True, timeout=120)
    if check:
        assert out.returncode == 0, out.stderr[-3000:]
    return out.stdout


def test_it_neither_loses_nor_doubles_mail_when_the_poller_is_killed(tmp_path, dovecot,
                                                                      mail_user):
    env = {**os.environ, "HELPWIRE_DATA_DIR": str(tmp_path / "data")}
    for name in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "HELPWIRE_MAIL_DIR"):
        env.pop(name, None)
    _helpwire(env, "migrate", "-v0")
    _helpwire(env, "mailbox", "create", "--address", "support@shop.test", "--imap-host",
              "127.0.0.1", "--imap-port", str(dovecot.port), "--imap-security", "none",
              "--imap-user", mail_user.login, "--imap-password", mail_user.password)
    _helpwire(env, "mail", "poll")  # the position: from now on
    uids = [dovecot.append(mail_user.login, mail(
        frm=f"client{i}@example.ru", msgid=f"<k{i}@example.ru>", subject=f"k{i}"))
            for i in range(MESSAGES)]
    rng = random.Random(20261202)
    for _ in range(20):
        proc = subprocess.Popen([sys.executable, "-m", "helpwire", "mail", "poll"], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.8, 2.5))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    _helpwire(env, "mail", "poll")
    counted = _helpwire(env, "shell", "-c", (
        "from helpwire.tickets.models import Message as M;"
        "ids=list(M.objects.values_list('external_id', flat=True));"
        "print(len(ids), len(set(ids)))")).strip().splitlines()[-1].split()
    assert counted == [str(MESSAGES), str(MESSAGES)]
    assert all("\\Seen" in dovecot.flags(mail_user.login, uid) for uid in uids)
