"""The mail domain's vocabulary: a queued mail (what to send), a letter (what goes out), and the
composer that turns one into the other at send time."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Awaitable, Callable, Mapping

MAX_ATTEMPTS = 8  # then the mail is marked failed
LEASE_SECONDS = 60  # a worker that died mid-send loses its claim after this
MAX_BACKOFF_SECONDS = 3600
KEEP_FINISHED_DAYS = 7  # finished outbox rows are pruned after this
HOUSEKEEPING_SECONDS = 3600


@dataclass(frozen=True)
class QueuedMail:
    id: str
    tenant_id: str | None
    kind: str
    to: str
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Letter:
    to: str
    subject: str
    body: str  # plain text
    html: str | None = None  # an HTML alternative
    sender: str | None = None  # From; the transport's own sender when None
    reply_to: str | None = None


class MailNotSent(Exception):
    """Sending failed; `permanent` when retrying cannot help (the server refused the recipient)."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


# A composer renders a queued mail when it is sent, or answers None when there is nothing to send
# (a reset asked for an address with no account): the request that queued it did the same work.
Composer = Callable[[QueuedMail], Awaitable["Letter | None"]]
Composers = Mapping[str, Composer]
Housekeeping = Callable[[datetime], Awaitable[Any]]  # (now) -> prunes what the domain no longer needs


def backoff_seconds(attempts: int) -> int:
    return min(MAX_BACKOFF_SECONDS, 15 * 2 ** max(0, attempts - 1))
