"""SIGKILL while mail and API requests come in (issue #11): nothing accepted is lost, nothing
is stored twice, every attachment is intact.

N messages (HELPWIRE_FAULT_MESSAGES: 1,000 in CI, 10,000 for the full run) come in by the
three ways Helpwire takes them, each through the process that takes it in production:

- the MTA pipe, ``helpwire mail deliver``: one process per mail, fed by a fake MTA with two
  deliveries at a time that retries a killed or deferred (75) delivery until it exits 0.
  Max(24, N/50) mails with a 70–120 kB attachment — 24 in CI: a process start costs ~1.5 s
  of CPU, so the pipe carries few mails, but its kills land at the most dangerous moment
  (after it has read the mail from the pipe, while it stores and takes it in);
- IMAP, polled by ``helpwire worker``'s scheduler from a real Dovecot (the batch path):
  3/10 of N, with 0–2 attachments each, appended in slices over the first minute;
- ``POST /api/v1/tickets`` to ``helpwire web`` with an idempotency key, sent again until it
  is accepted (2xx): the rest (676 in CI).

Meanwhile the worker, the web process and the pipe are each killed with SIGKILL 20 times at
random moments, and started again (the deliveries by the MTA's retry). Afterwards exactly
the N messages are stored, each once, with its words (UTF-8 and windows-1251 bodies) and
the sha256 of every attachment file equal to the source's; no delivery exited anything but
0 or 75, and no API request was refused.
"""

from __future__ import annotations

import random
import threading

import pytest

from tests.faults.harness import (
    MESSAGES,
    ROUNDS,
    ApiClient,
    FakeMta,
    chaos,
    process_env,
    query,
    run_parallel,
    services,
    shell,
    wait_while_growing,
    web,
    worker,
)
from tests.faults.mails import Mail, check_stored, make_mail

pytestmark = pytest.mark.slow

SETUP = """
import json
from helpwire.accounts.actions import issue_token
from helpwire.accounts.models import Agent, Role
from helpwire.core.actors import Actor
from helpwire.mail.actions import create_mailbox
cli = Actor.system("cli")
create_mailbox(actor=cli, address="pipe@shop.test")
create_mailbox(actor=cli, address="imap@shop.test", imap_host="127.0.0.1", imap_port={port},
               imap_security="none", imap_user="{login}", imap_password="{password}",
               poll_seconds=10)
agent = Agent.objects.create_user("api@helpwire.test", "pw-123456", name="API",
                                  role=Role.ADMIN)
print(json.dumps([agent.pk, issue_token(agent=agent, name="faults")]))
"""


def test_it_keeps_every_message_once_when_worker_web_and_deliver_are_killed(
        fault_db, data_dir, tmp_path, dovecot, mail_user):
    rng = random.Random(11_2026)
    env = process_env(fault_db, data_dir)
    agent_id, token = shell(env, SETUP.format(port=dovecot.port, login=mail_user.login,
                                              password=mail_user.password))
    piped = [make_mail(n, rng, to="pipe@shop.test", sizes=[rng.randint(70_000, 120_000)],
                       tag="p") for n in range(max(ROUNDS + 4, MESSAGES // 50))]
    polled = [make_mail(n, rng, to="imap@shop.test", tag="i",
                        sizes=[rng.randint(500, 30_000) for _ in range(n % 3)])
              for n in range(len(piped), len(piped) + MESSAGES * 3 // 10)]
    posted = [Mail(external_id=f"{agent_id}:api-{n}", phrase=f"Заявка №{n} с сайта")
              for n in range(len(piped) + len(polled), MESSAGES)]

    the_web, the_worker = web(env, tmp_path / "web.log"), worker(env, tmp_path / "worker.log")
    mta = FakeMta(env, "pipe@shop.test")
    api = ApiClient(the_web.url, token)
    done = threading.Event()
    with services(the_web, the_worker):
        the_web.start()
        the_worker.start()
        killers = [chaos(the_worker, ROUNDS, rng, lived=(1.0, 4.0), stop=done),
                   chaos(the_web, ROUNDS, rng, lived=(1.0, 3.5), stop=done)]

        def append_to_dovecot() -> None:
            # In slices over the first minute, so the worker polls while mail keeps coming.
            step = max(1, len(polled) // ROUNDS)
            with dovecot.connect(mail_user.login) as imap:
                for start in range(0, len(polled), step):
                    for mail in polled[start:start + step]:
                        imap.append("INBOX", None, None, mail.raw)
                    if done.wait(2.5):
                        return

        def pipe(mail: Mail) -> bool:
            # Attempts are killed at a random moment of their intake until ROUNDS kills
            # have landed (one that finished first does not count).
            return mta.deliver(mail.raw, lambda: rng.uniform(0.0, 0.3)
                               if mta.report.kills < ROUNDS else None)

        def post(mail: Mail) -> object:
            n = mail.external_id.rsplit("-", 1)[1]
            return api.post("/api/v1/tickets", {
                "subject": f"Заявка {n}", "message": f"Здравствуйте! {mail.phrase}.",
                "client": {"name": f"Покупатель {n}", "email": f"buyer{n}@example.ru"},
                "external_id": f"api-{n}"})

        feeders = [threading.Thread(target=append_to_dovecot, daemon=True),
                   threading.Thread(target=lambda: run_parallel(
                       [lambda m=m: pipe(m) for m in piped], workers=2), daemon=True),
                   threading.Thread(target=lambda: run_parallel(
                       [lambda m=m: post(m) for m in posted], workers=2), daemon=True)]
        for thread in feeders:
            thread.start()
        for thread in feeders + killers:
            thread.join(timeout=900)
        done.set()
        assert not any(t.is_alive() for t in feeders + killers), "a feeder never finished"

        assert not mta.report.bounced, mta.report.bounced[:3]
        assert not api.report.rejected, api.report.rejected[:3]
        assert mta.report.kills >= ROUNDS, f"only {mta.report.kills} deliveries were killed"
        assert (the_worker.kills, the_web.kills) == (ROUNDS, ROUNDS)
        # The last worker lives on and polls what is left (every 10 s, 500 mails a poll).
        wait_while_growing(lambda: query(fault_db, "SELECT count(*) FROM tickets_message "
                                                   "WHERE kind = 'inbound'")[0][0],
                           MESSAGES, idle=40)
    print(f"deliver: {mta.report}; api: {api.report}")
    check_stored(fault_db, data_dir / "attachments", piped + polled + posted)
