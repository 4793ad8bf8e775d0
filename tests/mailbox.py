"""A real SMTP server for the tests (aiosmtpd, in a thread) and a mailbox to read it.

Every server of the test run (the in-process app and `basalt serve` processes) sends its mail
here, so a mail reaches the box whichever worker claimed it.
"""

from __future__ import annotations

import asyncio
import re
import threading
import time
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any
from urllib.parse import parse_qs, urlparse

from aiosmtpd.controller import Controller

from graphql_api.app import mail_composers
from resolvers.mail.transport import MailTransport
from resolvers.mail.worker import MailWorker

LINK = re.compile(r"https?://\S+")


class _Collector:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's hook name)
        message = message_from_bytes(envelope.content, policy=policy.default)
        with self.lock:
            self.messages.append(message)  # type: ignore[arg-type]
        return "250 Message accepted for delivery"


class Mailbox:
    def __init__(self, port: int) -> None:
        self.collector = _Collector()
        self.controller = Controller(self.collector, hostname="127.0.0.1", port=port)
        self.port = port

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()

    def to(self, address: str) -> list[EmailMessage]:
        with self.collector.lock:
            return [m for m in self.collector.messages if address.lower() in str(m["To"]).lower()]

    async def wait_for(self, address: str, *, count: int = 1, timeout: float = 15.0) -> list[EmailMessage]:
        """The first `count` mails to `address`, waiting for them to arrive."""
        deadline = time.monotonic() + timeout
        while len(found := self.to(address)) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"expected {count} mail(s) to {address}, got {len(found)}")
            await asyncio.sleep(0.05)
        return found


class Outbox:
    """The in-process app's queued mails, sent through a worker to the real SMTP server and read back."""

    def __init__(self, runtime: Any, mailbox: Mailbox) -> None:
        self.runtime = runtime
        self.mailbox = mailbox

    async def deliver(self) -> int:
        return await deliver(self.runtime.mail, mail_composers(self.runtime))

    async def latest(self, address: str, *, count: int = 1) -> EmailMessage:
        """Send what is queued, then the `count`-th mail to `address` (waiting for it)."""
        await self.deliver()
        return (await self.mailbox.wait_for(address, count=count))[count - 1]


async def deliver(transport: MailTransport, composers: Any) -> int:
    """Run a mail worker until nothing is due (the in-process app starts no workers)."""
    worker = MailWorker(transport, composers)
    sent = 0
    while await worker.run_once():
        sent += 1
    return sent


def body_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None, "the mail has no text part"
    return part.get_content()


def link_in(message: EmailMessage) -> str:
    found = LINK.search(body_of(message))
    assert found, "the mail carries no link"
    return found.group(0)


def token_in(message: EmailMessage) -> str:
    """The token of the link in a mail, read the way an app reads its redirect URL."""
    query = parse_qs(urlparse(link_in(message)).query)
    return query["token"][0]
