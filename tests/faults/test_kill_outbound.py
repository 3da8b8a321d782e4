"""Replies going out while workers are killed (issue #11): every queued reply reaches the
SMTP server at least once, and a second copy is the same mail — the same Message-ID — so the
receiving side can drop it.

M replies (HELPWIRE_FAULT_MESSAGES / 10: 100 in CI) are queued through the ``reply`` action
on an email channel whose SMTP server is an aiosmtpd capture that answers each mail 0.2 s
after taking it (a worker killed in that window has had it accepted without learning so:
the duplicate the design allows). Two ``helpwire worker`` processes send side by side; each
is killed with SIGKILL five times at random moments while they send, and started again. A
reply whose worker died mid-send is held by its lease (HELPWIRE_DELIVERY_LEASE_SECONDS, 3 s
here) and then waits for the delivery sweep, which takes it two minutes after it was due:
the test moves the waiting replies' due time back two minutes instead of waiting (the sweep
itself is the product's) and restarts a worker, whose scheduler sweeps at start.
"""

from __future__ import annotations

import asyncio
import random
import re
import threading
from collections import defaultdict
from typing import Any

import pytest

from tests.faults.harness import (
    MESSAGES,
    ROUNDS,
    chaos,
    process_env,
    query,
    services,
    shell,
    wait_for,
    worker,
)
from tests.mail.servers import SmtpCapture

pytestmark = pytest.mark.slow
REPLIES = max(100, MESSAGES // 10)
KILLS = ROUNDS // 4  # of each of the two workers

SETUP = """
import json
from email.message import EmailMessage
from helpwire.accounts.models import Agent, Role
from helpwire.conversations import reply
from helpwire.core.actors import Actor
from helpwire.mail import intake
from helpwire.mail.actions import create_mailbox
from helpwire.tickets.models import Ticket
box = create_mailbox(actor=Actor.system("cli"), address="support@shop.test",
                     smtp_host="127.0.0.1", smtp_port={port}, smtp_security="none")
agent = Actor.of_agent(Agent.objects.create_user("agent@helpwire.test", "pw-123456",
                                                 name="Иван", role=Role.ADMIN))
tickets = []
for n in range(20):
    mail = EmailMessage()
    mail["From"], mail["To"] = f"client{{n}}@example.ru", "support@shop.test"
    mail["Subject"], mail["Message-ID"] = f"Вопрос {{n}}", f"<q{{n}}@example.ru>"
    mail.set_content("Здравствуйте, где мой заказ?")
    tickets.append(Ticket.objects.get(pk=intake.deliver(mailbox=box, raw=mail.as_bytes())
                                      .ticket_id))
sent = []
for k in range({replies}):
    message = reply(ticket=tickets[k % 20], actor=agent,
                    text=f"Ответ reply-{{k}}-end: заказ в пути.")
    sent.append([f"reply-{{k}}-end", message.delivery_key])
print(json.dumps(sent))
"""


class SlowCapture(SmtpCapture):
    """Takes each mail, then answers 250 a little later."""

    delay = 0.2

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        answer = await super().handle_DATA(server, session, envelope)
        await asyncio.sleep(self.delay)
        return answer


@pytest.fixture
def slow_capture():
    capture = SlowCapture()
    capture.start()
    yield capture
    capture.stop()


def test_it_sends_every_queued_reply_at_least_once_when_workers_are_killed(
        fault_db, data_dir, tmp_path, slow_capture):
    rng = random.Random(11_2027)
    env = process_env(fault_db, data_dir, HELPWIRE_DELIVERY_LEASE_SECONDS="3")
    queued = shell(env, SETUP.format(port=slow_capture.port, replies=REPLIES))
    workers = [worker(env, tmp_path / f"worker{n}.log") for n in (1, 2)]
    with services(*workers):
        for each in workers:
            each.start()
        killers = [chaos(each, KILLS, rng, lived=(0.3, 2.0), stop=threading.Event())
                   for each in workers]
        for killer in killers:
            killer.join(timeout=600)
        assert [each.kills for each in workers] == [KILLS, KILLS]

        # What a live worker can take goes out now; what a dead one held (its task claimed,
        # its lease on the message) waits for the delivery sweep.
        # (django-tasks-db stores "no delay" as the largest date.)
        wait_for(lambda: not query(fault_db, "SELECT 1 FROM django_tasks_database_dbtaskresult"
                                             " WHERE status = 'READY' AND (run_after <= now() "
                                             "OR run_after > now() + interval '1000 years')"),
                 timeout=60 + REPLIES, what="the workers to take every task they can")
        wait_for(lambda: not query(fault_db, "SELECT 1 FROM tickets_message WHERE "
                                             "lease_until > now()"),
                 timeout=30, what="the dead workers' leases to run out")
        query(fault_db, "UPDATE tickets_message SET next_attempt_at = next_attempt_at "
                        "- interval '2 minutes' WHERE delivery_state = 'queued' RETURNING id")
        workers[0].stop()
        workers[0].start()  # its scheduler sweeps at start
        wait_for(lambda: not query(fault_db, "SELECT 1 FROM tickets_message WHERE "
                                             "delivery_state = 'queued'"),
                 timeout=60, what="every reply to be sent")

    failed = query(fault_db, "SELECT delivery_error FROM tickets_message WHERE "
                             "delivery_state = 'failed'")
    assert not failed, failed[:3]
    copies: dict[str, list[str]] = defaultdict(list)
    for captured in slow_capture.messages:
        body = captured.message.get_body(("plain",)).get_content()
        found = re.search(r"reply-\d+-end", body)
        assert found, body
        copies[found.group(0)].append(str(captured.message["Message-ID"]))
    want = {token: f"<hw.{key}@shop.test>" for token, key in queued}
    assert set(copies) == set(want), f"never received: {sorted(set(want) - set(copies))[:5]}"
    different = {t: ids for t, ids in copies.items() if set(ids) != {want[t]}}
    assert not different, f"copies of one reply with other Message-IDs: {different}"
    doubles = sum(len(ids) - 1 for ids in copies.values())
    print(f"{len(want)} replies, {doubles} sent twice (same Message-ID)")
