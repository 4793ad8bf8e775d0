"""Webhook delivery across real worker processes (`basalt worker`) sharing the database.

Covers claiming by several processes at once (every message reaches the receiver exactly once
within one attempt) and a process killed with SIGKILL while its requests are in flight (its
claims wait for their lease, then another process sends the same messages again with the same
webhook-id: at least once, never lost).

The session's live server (a `basalt serve` on the same database, when an earlier test started
it) runs a webhook worker too; the assertions hold whichever process sent what.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from standardwebhooks import Webhook

from models.webhooks import WebhookAttempt, WebhookMessage
from resolvers.ids import new_id
from resolvers.webhooks import repository
from resolvers.webhooks.schemas import Outgoing
from tests.conftest import REPO, stop_server
from tests.support import Api, TenantHandle, data
from tests.webhook_receiver import Receiver
from tests.workers import eventually

RUNNING = "basalt worker: running"


# --- helpers ---------------------------------------------------------------------------------


def launch_worker(env: dict[str, str], name: str) -> subprocess.Popen[bytes]:
    """A `basalt worker` process (relay, webhooks, mail, exports; no HTTP) on the test database."""
    log = open(Path(env["BASALT_VAR_DIR"]) / f"worker-{name}.log", "wb")
    return subprocess.Popen(
        [sys.executable, "-m", "graphql_api.cli", "worker"], env={**os.environ, **env}, cwd=REPO, stdout=log, stderr=subprocess.STDOUT
    )


def wait_running(env: dict[str, str], name: str, process: subprocess.Popen[bytes]) -> None:
    path = Path(env["BASALT_VAR_DIR"]) / f"worker-{name}.log"
    deadline = time.monotonic() + 30
    while RUNNING not in path.read_text(errors="replace"):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"worker {name} did not start:\n{path.read_text(errors='replace')}")
        time.sleep(0.1)


def worker_id(process: subprocess.Popen[bytes]) -> str:
    """What the process claims messages as (`resolvers.background.worker_name`)."""
    return f"{socket.gethostname()}:{process.pid}"


async def new_endpoint(api: Api, tenant: TenantHandle, url: str) -> dict[str, Any]:
    return data(await api.rest("POST", "/v1/webhooks", tenant.token, json={"url": url, "events": ["order.*"]}), 201)


def outgoing(tenant: TenantHandle, endpoint_id: str, count: int) -> list[Outgoing]:
    return [
        Outgoing(id=new_id("msg"), tenant_id=tenant.tenant_id, endpoint_id=endpoint_id, event_type="order.paid", payload={"n": n})
        for n in range(count)
    ]



async def all_delivered(ids: list[str], *, timeout: float) -> dict[str, WebhookMessage]:
    async def check() -> dict[str, WebhookMessage] | None:
        rows = {m.id: m for m in await WebhookMessage.filter(id__in=ids)}
        return rows if all(m.status == "delivered" for m in rows.values()) else None

    return await eventually(check, timeout=timeout)


def received_ids(receiver: Receiver, path: str) -> Counter[str]:
    return Counter(r.headers["webhook-id"] for r in receiver.at(path))


# --- tests -------------------------------------------------------------------------------------


@pytest.mark.postgres_only
async def test_three_worker_processes_deliver_a_thousand_messages_each_exactly_once(
    server_env: dict[str, str], api: Api, tenant: TenantHandle, receiver: Receiver
) -> None:
    # Three workers send up to 50 requests each at once; the test receiver's listen backlog (5, from
    # socketserver) would drop connections, which is the receiver's limit, not the worker's.
    receiver.server.socket.listen(1024)
    names = ("bulk-1", "bulk-2", "bulk-3")
    processes = [launch_worker(server_env, name) for name in names]
    try:
        for name, process in zip(names, processes):
            wait_running(server_env, name, process)
        endpoint = await new_endpoint(api, tenant, receiver.url("/bulk"))
        messages = outgoing(tenant, endpoint["id"], 1000)
        ids = [m.id for m in messages]
        await repository.queue(messages)

        await receiver.wait_for("/bulk", 1000, timeout=60)
        rows = await all_delivered(ids, timeout=30)
    finally:
        for process in processes:
            stop_server(process)

    assert received_ids(receiver, "/bulk") == Counter(ids)  # every one, none twice
    assert {m.attempts for m in rows.values()} == {1}
    recorded = await WebhookAttempt.filter(message_id__in=ids)
    assert len(recorded) == 1000 and {(a.attempt, a.succeeded, a.status_code) for a in recorded} == {(1, True, 200)}
    secret = Webhook(endpoint["secret"])
    assert sorted(secret.verify(r.body, r.headers)["n"] for r in receiver.at("/bulk")) == list(range(1000))


async def test_a_worker_killed_mid_delivery_leaves_its_messages_to_another_once_its_lease_runs_out(
    server_env: dict[str, str], api: Api, tenant: TenantHandle, receiver: Receiver
) -> None:
    receiver.server.socket.listen(1024)  # see above
    receiver.script("/slow", delay=2.0)
    endpoint = await new_endpoint(api, tenant, receiver.url("/slow"))
    messages = outgoing(tenant, endpoint["id"], 120)
    ids = [m.id for m in messages]
    doomed = launch_worker(server_env, "doomed")
    survivor = launch_worker(server_env, "survivor")
    try:
        wait_running(server_env, "doomed", doomed)
        await repository.queue(messages)

        async def in_flight() -> set[str]:  # claimed by the doomed process and already at the receiver
            claimed = await WebhookMessage.filter(id__in=ids, claimed_by=worker_id(doomed)).values_list("id", flat=True)
            return set(claimed) & set(received_ids(receiver, "/slow"))

        sent_by_doomed = await eventually(in_flight, timeout=20)
        doomed.send_signal(signal.SIGKILL)
        doomed.wait(timeout=10)
        orphans = set(await WebhookMessage.filter(id__in=ids, claimed_by=worker_id(doomed)).values_list("id", flat=True))
        assert sent_by_doomed <= orphans
        assert {m.status for m in await WebhookMessage.filter(id__in=list(orphans))} == {"pending"}

        wait_running(server_env, "survivor", survivor)
        await asyncio.sleep(1.5)  # the survivor polls meanwhile, but the dead process's leases still hold
        still = await WebhookMessage.filter(id__in=list(orphans))
        assert {(m.status, m.claimed_by) for m in still} == {("pending", worker_id(doomed))}
        assert all(received_ids(receiver, "/slow")[i] == 1 for i in sent_by_doomed)

        receiver.script("/slow")  # quick answers from now on
        expired = datetime.now(timezone.utc) - timedelta(seconds=1)
        await WebhookMessage.filter(id__in=list(orphans)).update(lease_until=expired)  # as if 60 s had passed
        rows = await all_delivered(ids, timeout=30)
    finally:
        stop_server(survivor)
        if doomed.poll() is None:
            doomed.kill()

    seen = received_ids(receiver, "/slow")
    assert set(seen) == set(ids)  # none lost
    assert all(seen[i] == 2 for i in sent_by_doomed)  # the killed attempt, then again with the same webhook-id
    assert all(seen[i] in (1, 2) for i in orphans) and all(seen[i] == 1 for i in set(ids) - orphans)
    assert all(rows[i].attempts == 2 for i in orphans) and all(rows[i].attempts == 1 for i in set(ids) - orphans)
    recorded: dict[str, list[tuple[int, bool]]] = {i: [] for i in orphans}
    for attempt in await WebhookAttempt.filter(message_id__in=list(orphans)):
        recorded[attempt.message_id].append((attempt.attempt, attempt.succeeded))
    assert recorded == {i: [(2, True)] for i in orphans}  # the lost attempt counted, never recorded
    secret = Webhook(endpoint["secret"])
    for request in receiver.at("/slow"):
        assert request.headers["webhook-id"] in ids and secret.verify(request.body, request.headers)["n"] >= 0
