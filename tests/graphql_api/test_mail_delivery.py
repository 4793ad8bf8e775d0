"""Mail delivery by a real `basalt serve` process: its own mail worker sends what its requests
queued (woken once the request commits) and what another process left pending in the outbox
(found by polling), to the test run's SMTP server. No test-driven worker runs here."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import datetime, timezone

import httpx
from starlette.applications import Starlette

from models.mail import MailMessage
from resolvers.mail import service as mail_service
from tests.mailbox import Mailbox, body_of, link_in, token_in
from tests.support import TenantHandle

POLL_SECONDS = 5.0  # the server's mail worker looks for due mails this often when not woken


def new_address(label: str = "served") -> str:
    return f"{label}-{uuid.uuid4().hex[:12]}@example.com"


async def settled(mail_id: str, timeout: float = 10.0) -> MailMessage:
    """The outbox row once the server's worker has finished with it."""
    deadline = time.monotonic() + timeout
    while (row := await MailMessage.get(id=mail_id)).status == "pending" or row.claimed_by is not None:
        if time.monotonic() > deadline:
            raise AssertionError(f"mail {mail_id} still {row.status}, claimed by {row.claimed_by}")
        await asyncio.sleep(0.05)
    return row


async def idle_outbox(timeout: float = 3 * POLL_SECONDS) -> None:
    """Wait until no mail of the test run is due (the server's worker has caught up with them)."""
    deadline = time.monotonic() + timeout
    while await MailMessage.filter(status="pending", next_attempt_at__lte=datetime.now(timezone.utc)).exists():
        if time.monotonic() > deadline:
            raise AssertionError("the server's mail worker never caught up with the outbox")
        await asyncio.sleep(0.1)


async def test_a_signup_over_http_gets_its_verification_mail_from_the_servers_own_worker(
    live_server: str, tenant: TenantHandle, mailbox: Mailbox
) -> None:
    address = new_address()
    await idle_outbox()  # so the worker has nothing else to send first
    async with httpx.AsyncClient(base_url=live_server, headers=tenant.auth) as http:
        signed = await http.post("/v1/auth/signup", json={"email": address, "password": "correct-horse-42"})
        assert signed.status_code == 201, signed.text

        # Well before the worker's next poll: the request's commit woke it.
        (mail,) = await mailbox.wait_for(address, timeout=POLL_SECONDS - 1)
        assert "Confirm your email" in mail["Subject"] and address in body_of(mail)
        assert "type=signup" in link_in(mail)

        verified = await http.post("/v1/auth/verify", json={"token": token_in(mail), "type": "signup"})
        assert verified.status_code == 200 and verified.json()["data"] == {"verified": True}

    row = await MailMessage.get(to_address=address, kind="auth.signup")
    row = await settled(row.id)
    assert (row.status, row.attempts) == ("sent", 1) and row.sent_at is not None


async def test_a_mail_left_pending_by_a_process_that_died_is_sent_by_the_running_server_within_its_poll(
    live_server: str, app: Starlette, tenant: TenantHandle, mailbox: Mailbox
) -> None:
    address = new_address("orphan")
    # Queued outside any request of the server: its wake goes to this test process, which runs no
    # mail worker, as if the process that queued it had died before sending.
    mail_id = await mail_service.queue(
        app.state.runtime, tenant_id=tenant.tenant_id, kind="auth.email_change_notice", to=address, data={"new_email": "new@example.com"}
    )

    (mail,) = await mailbox.wait_for(address, timeout=3 * POLL_SECONDS)
    assert "being changed" in mail["Subject"] and "new@example.com" in body_of(mail)
    row = await settled(mail_id)
    assert (row.status, row.attempts, row.claimed_by) == ("sent", 1, None) and row.sent_at is not None
