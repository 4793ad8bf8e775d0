"""The mail worker: claims due mails from the outbox, composes and sends them, retries with
backoff. Any server process may run it; a claim is a lease, so a mail whose process died
mid-send is sent by another worker (at least once: a crash right after the SMTP server accepted
it may send it twice, which is better than never)."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone

from resolvers.background import PollingWorker
from resolvers.mail import repository
from resolvers.mail.schemas import (
    HOUSEKEEPING_SECONDS,
    KEEP_FINISHED_DAYS,
    LEASE_SECONDS,
    MAX_ATTEMPTS,
    Composers,
    Housekeeping,
    MailNotSent,
    QueuedMail,
    backoff_seconds,
)
from resolvers.mail.transport import MailTransport

log = logging.getLogger("basalt.mail")


class MailWorker(PollingWorker):
    label = "mail worker"

    def __init__(
        self,
        transport: MailTransport,
        composers: Composers,
        *,
        housekeeping: Sequence[Housekeeping] = (),
        worker_id: str | None = None,
        poll_seconds: float = 5.0,
    ) -> None:
        super().__init__(worker_id=worker_id, poll_seconds=poll_seconds)
        self.transport = transport
        self.composers = composers
        self.housekeeping = (_prune_finished, *housekeeping)
        self._next_housekeeping = 0.0

    async def between_passes(self) -> None:
        if time.monotonic() >= self._next_housekeeping:
            await self.keep_house()

    async def run_once(self) -> bool:
        """Send (or give up on) one due mail; False when none was due."""
        claimed = await repository.claim_next(self.worker_id, LEASE_SECONDS)
        if claimed is None:
            return False
        mail, attempt = claimed
        try:
            await self._deliver(mail)
        except MailNotSent as exc:
            await self._failed(mail, attempt, str(exc), permanent=exc.permanent)
        except Exception as exc:
            log.exception("mail %s (%s) could not be composed", mail.id, mail.kind)
            await self._failed(mail, attempt, f"{type(exc).__name__}: {exc}", permanent=False)
        return True

    async def keep_house(self) -> None:
        """Hourly: prune finished mails and what the composing domains no longer need."""
        self._next_housekeeping = time.monotonic() + HOUSEKEEPING_SECONDS
        for prune in self.housekeeping:
            await prune(_now())

    async def _deliver(self, mail: QueuedMail) -> None:
        composer = self.composers.get(mail.kind)
        if composer is None:
            raise MailNotSent(f"no composer for mail kind {mail.kind!r}", permanent=True)
        letter = await composer(mail)
        if letter is None:
            await repository.finish(mail.id, self.worker_id, status="skipped", sent_at=_now())
            return
        await self.transport.send(letter)
        await repository.finish(mail.id, self.worker_id, status="sent", sent_at=_now(), last_error=None)

    async def _failed(self, mail: QueuedMail, attempt: int, error: str, *, permanent: bool) -> None:
        if permanent or attempt >= MAX_ATTEMPTS:
            log.warning("mail %s to %s failed for good: %s", mail.id, mail.to, error)
            await repository.finish(mail.id, self.worker_id, status="failed", last_error=error[:500])
            return
        retry_at = _now() + timedelta(seconds=backoff_seconds(attempt))
        log.warning("mail %s to %s not sent (attempt %d), retrying at %s: %s", mail.id, mail.to, attempt, retry_at, error)
        await repository.finish(mail.id, self.worker_id, next_attempt_at=retry_at, last_error=error[:500])


async def _prune_finished(now: datetime) -> None:
    await repository.prune(now - timedelta(days=KEEP_FINISHED_DAYS))


def _now() -> datetime:
    return datetime.now(timezone.utc)
