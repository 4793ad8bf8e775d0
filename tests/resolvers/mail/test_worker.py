"""The mail outbox and its worker (`resolvers/mail/*`).

Covers `resolvers.mail.service.queue` (the row lives and dies with the caller's transaction; this
process's workers are woken after commit), `MailWorker.run_once` (send, retry with backoff up to
`MAX_ATTEMPTS`, permanent refusals, composers that skip or are missing), the leases of
`repository.claim_next` / `repository.finish` (a dead worker's mail, two workers racing), and the
transports (`ConsoleMail`, `SmtpMail` talking to real aiosmtpd servers).

A live server process of the test session shares the database and its mail worker polls the same
outbox every 5 seconds. So the mails a test hands to a chosen worker are queued "parked" (not due)
and made due inside the transaction in which that worker runs (`run_on`): the server never sees
them due, and the worker under test is the one that handles them. Tests that let any worker send
(a committed mail, two racing workers) assert what holds whichever worker sent the mail.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from starlette.applications import Starlette

from models.auth import EmailLink
from models.mail import MailMessage
from resolvers import db
from resolvers.auth import emails as auth_emails
from resolvers.mail import repository
from resolvers.mail import service as mail_service
from resolvers.mail.schemas import LEASE_SECONDS, MAX_ATTEMPTS, Letter, backoff_seconds
from resolvers.mail.transport import ConsoleMail, MailTransport, SmtpMail
from resolvers.mail.worker import MailWorker
from resolvers.runtime import Runtime
from tests.conftest import free_port
from tests.mailbox import Mailbox, body_of, deliver
from tests.support import TenantHandle

SENDER = "Basalt Tests <no-reply@basalt.test>"
PUBLIC_URL = "http://127.0.0.1:8000"
NOTICE = "auth.email_change_notice"  # a kind every worker of the test run composes, without a token
LONG_AGO = datetime(2000, 1, 1, tzinfo=timezone.utc)  # older than any mail of the run: claimed first
SLACK = timedelta(seconds=5)


class Boom(Exception):
    """Fails the transaction on purpose."""


class PickySmtp:
    """An aiosmtpd handler that answers RCPT for some addresses with a chosen reply."""

    def __init__(self) -> None:
        self.replies: dict[str, str] = {}
        self.delivered: list[str] = []

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]) -> str:  # noqa: N802
        reply = self.replies.get(address.lower())
        if reply is not None:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.delivered.extend(address.lower() for address in envelope.rcpt_tos)
        return "250 Message accepted for delivery"


@pytest.fixture(scope="module")
def picky() -> Iterator[tuple[PickySmtp, str]]:
    """Our own SMTP server (not the shared mailbox), and its URL."""
    handler = PickySmtp()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield handler, f"smtp://127.0.0.1:{port}"
    controller.stop()


@pytest.fixture
def mailbox_mail(mailbox: Mailbox) -> SmtpMail:
    """The transport every server of the test run uses: the shared mailbox."""
    return SmtpMail(mailbox.url, sender=SENDER)


@pytest.fixture
def woken(app: Starlette) -> asyncio.Event:
    return asyncio.Event()


@pytest.fixture
def runtime(app: Starlette, woken: asyncio.Event) -> Runtime:
    """The app's runtime with one worker of this process to wake (`woken`)."""
    return dataclasses.replace(app.state.runtime, wake_events=[woken])


def new_address(label: str = "mail") -> str:
    return f"{label}-{uuid.uuid4().hex[:12]}@example.com"


def worker(transport: MailTransport, worker_id: str | None = None) -> MailWorker:
    return MailWorker(transport, auth_emails.composers(PUBLIC_URL), worker_id=worker_id or f"test-{uuid.uuid4().hex[:8]}")


async def queue_notice(runtime: Runtime, tenant: TenantHandle, to: str, *, kind: str = NOTICE) -> str:
    """A mail due at once (an email-change notice: any worker of the run composes it)."""
    return await mail_service.queue(runtime, tenant_id=tenant.tenant_id, kind=kind, to=to, data={"new_email": "next@example.com"})


async def queue_parked(runtime: Runtime, tenant: TenantHandle, to: str, *, kind: str = NOTICE) -> str:
    """A queued mail that no worker claims until a test makes it due."""
    async with db.transaction():
        mail_id = await queue_notice(runtime, tenant, to, kind=kind)
        await park(mail_id)
    return mail_id


async def park(mail_id: str) -> None:
    await MailMessage.filter(id=mail_id).update(next_attempt_at=datetime.now(timezone.utc) + timedelta(days=1))


async def run_on(mail_worker: MailWorker, mail_id: str, **changes: Any) -> bool:
    """Make the mail the most overdue one (with `changes` to its row) and run one pass of the
    worker, in one transaction: other processes' workers never see it due, so this one handles it."""
    async with db.transaction():
        await MailMessage.filter(id=mail_id).update(next_attempt_at=LONG_AGO, **changes)
        return await mail_worker.run_once()


async def settled(mail_id: str, timeout: float = 10.0) -> MailMessage:
    """The row once a worker (this test's or a live server's) has finished with it."""
    deadline = time.monotonic() + timeout
    while (row := await MailMessage.get(id=mail_id)).status == "pending" or row.claimed_by is not None:
        if time.monotonic() > deadline:
            raise AssertionError(f"mail {mail_id} still {row.status}, claimed by {row.claimed_by}")
        await asyncio.sleep(0.05)
    return row


# The outbox and the transaction


async def test_a_mail_queued_in_a_transaction_that_rolls_back_is_never_sent(
    runtime: Runtime, woken: asyncio.Event, tenant: TenantHandle, mailbox: Mailbox, mailbox_mail: SmtpMail
) -> None:
    address = new_address()
    with pytest.raises(Boom):
        async with db.transaction():
            await queue_notice(runtime, tenant, address)
            assert await MailMessage.filter(to_address=address).count() == 1  # written in the transaction
            raise Boom

    assert await MailMessage.filter(to_address=address).count() == 0
    assert not woken.is_set()
    await deliver(mailbox_mail, auth_emails.composers(PUBLIC_URL))
    assert mailbox.to(address) == []


async def test_a_mail_queued_in_a_committed_transaction_is_sent_once_and_marked_sent(
    runtime: Runtime, woken: asyncio.Event, tenant: TenantHandle, mailbox: Mailbox, mailbox_mail: SmtpMail
) -> None:
    address = new_address()
    async with db.transaction():
        mail_id = await queue_notice(runtime, tenant, address)
        assert not woken.is_set()  # the workers are woken once the row is visible to them
    assert woken.is_set()

    await deliver(mailbox_mail, auth_emails.composers(PUBLIC_URL))
    (mail,) = await mailbox.wait_for(address)
    assert "being changed" in mail["Subject"] and "next@example.com" in body_of(mail)
    row = await settled(mail_id)
    assert (row.status, row.attempts, row.last_error) == ("sent", 1, None)
    assert row.sent_at is not None and row.lease_until is None

    await deliver(mailbox_mail, auth_emails.composers(PUBLIC_URL))
    assert len(mailbox.to(address)) == 1


# Retries and failures


async def test_an_unreachable_server_leaves_the_mail_pending_with_backoff_until_a_later_attempt_sends_it(
    runtime: Runtime, tenant: TenantHandle, mailbox: Mailbox, mailbox_mail: SmtpMail
) -> None:
    address = new_address()
    port = free_port()  # nothing listens there any more
    mail_id = await queue_parked(runtime, tenant, address)

    before = datetime.now(timezone.utc)
    assert await run_on(worker(SmtpMail(f"smtp://127.0.0.1:{port}", sender=SENDER)), mail_id)
    row = await MailMessage.get(id=mail_id)
    assert (row.status, row.attempts, row.claimed_by, row.sent_at) == ("pending", 1, None, None)
    assert row.next_attempt_at > datetime.now(timezone.utc)
    assert abs(row.next_attempt_at - before - timedelta(seconds=backoff_seconds(1))) < SLACK
    assert row.last_error is not None and "unreachable" in row.last_error and str(port) in row.last_error
    assert mailbox.to(address) == []

    assert await run_on(worker(mailbox_mail), mail_id)  # its time has come, and the server is back
    row = await MailMessage.get(id=mail_id)
    assert (row.status, row.attempts, row.last_error) == ("sent", 2, None)
    assert row.sent_at is not None
    assert len(await mailbox.wait_for(address)) == 1


async def test_a_mail_that_fails_max_attempts_times_is_marked_failed_after_growing_delays(
    runtime: Runtime, tenant: TenantHandle, mailbox: Mailbox
) -> None:
    address = new_address()
    unreachable = worker(SmtpMail(f"smtp://127.0.0.1:{free_port()}", sender=SENDER))
    mail_id = await queue_parked(runtime, tenant, address)

    delays: list[timedelta] = []
    for _ in range(MAX_ATTEMPTS - 1):
        before = datetime.now(timezone.utc)
        assert await run_on(unreachable, mail_id)
        row = await MailMessage.get(id=mail_id)
        assert row.status == "pending"
        delays.append(row.next_attempt_at - before)
    for attempt, delay in enumerate(delays, start=1):
        assert abs(delay - timedelta(seconds=backoff_seconds(attempt))) < SLACK, (attempt, delay)
    assert delays == sorted(delays)

    assert await run_on(unreachable, mail_id)
    row = await MailMessage.get(id=mail_id)
    assert (row.status, row.attempts, row.claimed_by) == ("failed", MAX_ATTEMPTS, None)
    assert row.last_error is not None and "unreachable" in row.last_error and row.sent_at is None
    assert mailbox.to(address) == []


async def test_a_recipient_the_server_refuses_for_good_fails_the_mail_at_once(
    runtime: Runtime, tenant: TenantHandle, picky: tuple[PickySmtp, str]
) -> None:
    handler, url = picky
    address = new_address("nobody")
    handler.replies[address] = "550 no such user"
    mail_id = await queue_parked(runtime, tenant, address)

    assert await run_on(worker(SmtpMail(url, sender=SENDER)), mail_id)
    row = await MailMessage.get(id=mail_id)
    assert (row.status, row.attempts, row.claimed_by, row.sent_at) == ("failed", 1, None, None)
    assert row.last_error is not None and "550" in row.last_error and "no such user" in row.last_error
    assert row.next_attempt_at == LONG_AGO  # not rescheduled: there is no retry
    assert address not in handler.delivered


async def test_a_recipient_the_server_refuses_for_now_is_retried_later(
    runtime: Runtime, tenant: TenantHandle, picky: tuple[PickySmtp, str]
) -> None:
    handler, url = picky
    address = new_address("greylisted")
    handler.replies[address] = "450 greylisted, try again later"
    mail_id = await queue_parked(runtime, tenant, address)

    assert await run_on(worker(SmtpMail(url, sender=SENDER)), mail_id)
    row = await MailMessage.get(id=mail_id)
    assert (row.status, row.attempts) == ("pending", 1)
    assert row.next_attempt_at > datetime.now(timezone.utc)
    assert row.last_error is not None and "450" in row.last_error


# Leases


async def test_a_mail_claimed_by_a_worker_that_died_waits_for_its_lease_then_another_worker_sends_it(
    runtime: Runtime, tenant: TenantHandle, mailbox: Mailbox, mailbox_mail: SmtpMail
) -> None:
    address = new_address()
    mail_id = await queue_parked(runtime, tenant, address)
    async with db.transaction():
        await MailMessage.filter(id=mail_id).update(next_attempt_at=LONG_AGO)
        claimed = await repository.claim_next("dead", LEASE_SECONDS)  # and the worker never finishes
    assert claimed is not None and claimed[0].id == mail_id and claimed[0].to == address and claimed[1] == 1

    survivor = worker(mailbox_mail, "survivor")
    await run_on(survivor, mail_id)  # it may send other due mails of the run, never this one
    row = await MailMessage.get(id=mail_id)
    assert (row.status, row.claimed_by, row.attempts) == ("pending", "dead", 1)
    assert row.lease_until is not None and row.lease_until > datetime.now(timezone.utc)
    assert mailbox.to(address) == []

    assert await run_on(survivor, mail_id, lease_until=datetime.now(timezone.utc) - timedelta(seconds=1))
    row = await MailMessage.get(id=mail_id)
    assert (row.status, row.claimed_by, row.lease_until, row.attempts) == ("sent", None, None, 2)
    assert len(await mailbox.wait_for(address)) == 1

    await repository.finish(mail_id, "dead", status="failed", last_error="came back too late")
    assert (await MailMessage.get(id=mail_id)).status == "sent"  # a lost lease cannot finish the mail


async def test_two_workers_racing_over_the_same_due_mails_never_send_one_twice(
    runtime: Runtime, tenant: TenantHandle, mailbox: Mailbox, mailbox_mail: SmtpMail
) -> None:
    addresses = [new_address(f"race{i}") for i in range(8)]
    mail_ids = [await queue_parked(runtime, tenant, address) for address in addresses]
    await MailMessage.filter(id__in=mail_ids).update(next_attempt_at=LONG_AGO)  # all due, at once

    async def drain(mail_worker: MailWorker) -> int:
        handled = 0
        while await mail_worker.run_once():
            handled += 1
        return handled

    await asyncio.gather(drain(worker(mailbox_mail, "racer-a")), drain(worker(mailbox_mail, "racer-b")))

    for address in addresses:
        await mailbox.wait_for(address)
    for mail_id in mail_ids:
        row = await settled(mail_id)
        assert (row.status, row.attempts) == ("sent", 1)  # claimed once
    assert all(len(mailbox.to(address)) == 1 for address in addresses)


# Composers


async def test_a_recovery_mail_for_an_address_without_an_account_is_skipped_and_nothing_is_sent(
    runtime: Runtime, tenant: TenantHandle, mailbox: Mailbox, mailbox_mail: SmtpMail
) -> None:
    address = new_address("stranger")
    async with db.transaction():
        await auth_emails.queue(runtime, auth_emails.RECOVERY, tenant_id=tenant.tenant_id, to=address)
        row = await MailMessage.get(to_address=address)
        await park(row.id)
    assert row.kind == "auth.recovery"

    assert await run_on(worker(mailbox_mail), row.id)
    row = await MailMessage.get(id=row.id)
    assert (row.status, row.attempts, row.claimed_by, row.last_error) == ("skipped", 1, None, None)
    assert await EmailLink.filter(email=address).count() == 0  # no token was made
    assert mailbox.to(address) == []


async def test_a_mail_of_a_kind_no_composer_knows_fails_at_once(
    runtime: Runtime, tenant: TenantHandle, mailbox: Mailbox, mailbox_mail: SmtpMail
) -> None:
    address = new_address()
    mail_id = await queue_parked(runtime, tenant, address, kind="test.no_such_kind")

    assert await run_on(worker(mailbox_mail), mail_id)
    row = await MailMessage.get(id=mail_id)
    assert (row.status, row.attempts, row.sent_at) == ("failed", 1, None)
    assert row.last_error is not None and "test.no_such_kind" in row.last_error
    assert mailbox.to(address) == []


# Transports


async def test_console_mail_prints_each_mail_to_the_log_and_keeps_the_newest(caplog: pytest.LogCaptureFixture) -> None:
    console = ConsoleMail(SENDER)
    letter = Letter(to="ada@example.com", subject="Hello there", body="The body, with a link: https://example.com/x\n")
    with caplog.at_level(logging.INFO, logger="basalt.mail"):
        await console.send(letter)
    (record,) = [r for r in caplog.records if r.name == "basalt.mail"]
    printed = record.getMessage()
    assert "ada@example.com" in printed and "Subject: Hello there" in printed and "https://example.com/x" in printed
    assert console.sent == [letter]

    for n in range(150):
        await console.send(Letter(to=f"n{n}@example.com", subject=str(n), body=""))
    assert len(console.sent) == 100 and console.sent[-1].subject == "149" and console.sent[0].subject == "50"


async def test_smtp_mail_builds_a_complete_utf8_message_that_survives_a_real_smtp_server(mailbox: Mailbox) -> None:
    transport = SmtpMail(mailbox.url, sender=SENDER)
    address = new_address("zoe")
    subject = "Bienvenue à bord, Zoë — ✓ 日本"
    body = "Grüße aus Köln!\nÇa marche: naïve café, 東京, emoji 🚀.\n"
    letter = Letter(to=address, subject=subject, body=body)

    built = transport.message(letter)
    assert (built["From"], built["To"], built["Subject"]) == (SENDER, address, subject)
    dated = parsedate_to_datetime(built["Date"]).replace(tzinfo=timezone.utc)  # written in UTC ("-0000")
    assert abs(dated - datetime.now(timezone.utc)) < SLACK
    assert built["Message-ID"].startswith("<") and built["Message-ID"].endswith("@basalt.test>")
    assert built.get_content_type() == "text/plain" and built.get_content_charset() == "utf-8"

    await transport.send(letter)
    (received,) = await mailbox.wait_for(address)
    assert received["Subject"] == subject and received["From"] == SENDER and received["To"] == address
    assert received["Message-ID"].endswith("@basalt.test>") and received["Date"]
    assert received.get_content_charset() == "utf-8"
    assert body_of(received).replace("\r\n", "\n") == body  # SMTP's line endings aside, every character


def test_smtp_mail_reads_tls_mode_port_and_escaped_credentials_from_its_url() -> None:
    plain = SmtpMail("smtp://mail.example.com", sender=SENDER)
    assert (plain.hostname, plain.port, plain.implicit_tls, plain.username) == ("mail.example.com", 25, False, None)
    tls = SmtpMail("smtps://me%40example.com:p%3Ass%2Fw@smtp.example.com", sender=SENDER)
    assert (tls.hostname, tls.port, tls.implicit_tls) == ("smtp.example.com", 465, True)
    assert (tls.username, tls.password) == ("me@example.com", "p:ss/w")
    assert SmtpMail("smtp://localhost:2525", sender=SENDER).port == 2525
