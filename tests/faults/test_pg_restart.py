"""PostgreSQL restarted under load (issue #11): nothing accepted is lost, and the web and
worker processes reconnect by themselves.

A private cluster (tests/faults/cluster.py: its own initdb, port and socket folder — never
the suite's server) holds a copy of the migrated schema. ``helpwire web`` and
``helpwire worker`` run against it, with a pool of connections each (the default). While
mail comes in through the MTA pipe (the fake MTA retries what exits 75) and tickets through
the API (sent again after a 5xx or a dropped connection), the cluster is restarted in fast
mode, then crashed (immediate mode) and started again 5 s later. Afterwards every accepted
message is stored once with its attachments, no delivery exited anything but 0 or 75, and
the web and worker processes are the ones started before (same PIDs). Then the cluster is
restarted once more while nothing happens — every pooled connection is now dead — and the
web takes a ticket at the first try, the worker sends a reply queued after it, and the
worker's scheduler fires a reminder.
"""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime, timedelta

import pytest

from tests.faults.cluster import PrivateCluster
from tests.faults.harness import (
    MESSAGES,
    ApiClient,
    FakeMta,
    in_background,
    process_env,
    query,
    run_parallel,
    server_url,
    services,
    shell,
    wait_for,
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
create_mailbox(actor=Actor.system("cli"), address="support@shop.test", smtp_host="127.0.0.1",
               smtp_port={port}, smtp_security="none")
agent = Agent.objects.create_user("api@helpwire.test", "pw-123456", name="API",
                                  role=Role.ADMIN)
print(json.dumps([agent.pk, issue_token(agent=agent, name="faults")]))
"""


@pytest.fixture
def cluster(migrated_template):
    cluster = PrivateCluster()
    try:
        cluster.start()
        cluster.load(server_url(migrated_template))
        yield cluster
    finally:
        cluster.remove()


def post_ticket(api: ApiClient, mail: Mail) -> object:
    n = mail.external_id.rsplit("-", 1)[1]
    return api.post("/api/v1/tickets", {
        "subject": f"Заявка {n}", "message": f"Здравствуйте! {mail.phrase}.",
        "client": {"name": f"Покупатель {n}", "email": f"buyer{n}@example.ru"},
        "external_id": f"api-{n}"})


def test_it_loses_nothing_and_reconnects_when_postgresql_restarts(
        cluster, data_dir, tmp_path, smtp_capture):
    rng = random.Random(11_2028)
    env = process_env(cluster.url(), data_dir)
    agent_id, token = shell(env, SETUP.format(port=smtp_capture.port))
    piped = [make_mail(n, rng, to="support@shop.test", sizes=[rng.randint(1_000, 90_000)])
             for n in range(max(12, MESSAGES // 80))]
    posted = [Mail(external_id=f"{agent_id}:api-{n}", phrase=f"Заявка №{n} с сайта")
              for n in range(len(piped), len(piped) + MESSAGES // 5)]

    the_web, the_worker = web(env, tmp_path / "web.log"), worker(env, tmp_path / "worker.log")
    # The pipe gives up on the database after 2 s (exit 75: the MTA tries again later)
    # rather than holding the MTA's delivery slot for the pool's 10 s.
    mta = FakeMta({**env, "HELPWIRE_DB_POOL_TIMEOUT": "2"}, "support@shop.test",
                  retry_delay=1.0)
    api = ApiClient(the_web.url, token)
    with services(the_web, the_worker):
        the_web.start()
        the_worker.start()
        pids = (the_web.pid, the_worker.pid)

        def restarts() -> None:
            time.sleep(4)
            cluster.restart("fast")
            time.sleep(4)
            cluster.stop("immediate")  # a crash: recovery from the WAL at the next start
            time.sleep(5)
            cluster.start()

        threads = [in_background(restarts, "restarts"),
                   in_background(lambda: run_parallel([lambda m=m: mta.deliver(m.raw)
                                                       for m in piped], 2, span=12), "mta"),
                   in_background(lambda: run_parallel([lambda m=m: post_ticket(api, m)
                                                       for m in posted], 2, span=16), "api")]
        for thread in threads:
            thread.join(timeout=300)
        assert not any(t.is_alive() for t in threads), "feeding never finished"
        assert cluster.restarts == 2
        assert not mta.report.bounced, mta.report.bounced[:3]
        assert not api.report.rejected, api.report.rejected[:3]

        assert (the_web.alive(), the_worker.alive()) == (True, True), "a process died"
        assert (the_web.pid, the_worker.pid) == pids

        # Once more while nothing happens: every pooled connection of both processes is now
        # a dead one. The same processes take new work at once — the web a ticket at the
        # first try, the worker's task loop a reply to send, its scheduler a due reminder.
        cluster.restart("fast")
        fresh = ApiClient(the_web.url, token, give_up_after=0)
        late = Mail(external_id=f"{agent_id}:api-late", phrase="Заявка №late с сайта")
        assert post_ticket(fresh, late) is not None, fresh.report
        ticket = query(cluster.url(), "SELECT ticket_id FROM tickets_message WHERE "
                                      "external_id = %s", piped[0].external_id)[0][0]
        assert fresh.post(f"/api/v1/tickets/{ticket}/messages",
                          {"body": "Ваш заказ в пути."}) is not None, fresh.report
        sent = smtp_capture.wait_for(1, timeout=30)
        assert "Ваш заказ в пути." in sent[0].message.get_body(("plain",)).get_content()
        soon = (datetime.now(UTC) + timedelta(seconds=1)).isoformat()
        assert fresh.put(f"/api/v1/tickets/{ticket}/reminder", {"at": soon}), fresh.report
        wait_for(lambda: query(cluster.url(), "SELECT status FROM tickets_ticket WHERE id = %s",
                               ticket) == [("open",)],
                 timeout=30, every=0.5, what="the reminder to fire")
        assert (the_web.pid, the_worker.pid) == pids
    print(f"deliver: {mta.report}; api: {api.report}")
    check_stored(cluster.url(), data_dir / "attachments", [*piped, *posted, late])
