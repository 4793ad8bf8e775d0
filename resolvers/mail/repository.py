"""Outbox rows: queue in the caller's transaction, claim with a conditional UPDATE (safe across
processes on either database), finish with the claim still held."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from tortoise.expressions import F, Q

from models.mail import MailMessage
from resolvers.ids import new_id
from resolvers.mail.schemas import QueuedMail


async def queue(tenant_id: str | None, kind: str, to: str, data: dict[str, Any]) -> MailMessage:
    now = _now()
    return await MailMessage.create(
        id=new_id("mail"), tenant_id=tenant_id, kind=kind, to_address=to, data=data, next_attempt_at=now, created_at=now
    )


async def claim_next(worker_id: str, lease_seconds: int) -> tuple[QueuedMail, int] | None:
    """The oldest due mail, now leased to `worker_id`, with its attempt number; None if none is due."""
    now = _now()
    candidates = await MailMessage.filter(_claimable(now)).order_by("next_attempt_at").limit(5).values_list("id", flat=True)
    for mail_id in candidates:
        taken = await MailMessage.filter(_claimable(now), id=mail_id).update(
            claimed_by=worker_id, lease_until=now + timedelta(seconds=lease_seconds), attempts=F("attempts") + 1
        )
        if taken == 1:
            row = await MailMessage.get(id=mail_id)
            return QueuedMail(id=row.id, tenant_id=row.tenant_id, kind=row.kind, to=row.to_address, data=row.data or {}), row.attempts
    return None


async def finish(mail_id: str, worker_id: str, **values: Any) -> None:
    await MailMessage.filter(id=mail_id, claimed_by=worker_id).update(claimed_by=None, lease_until=None, **values)


async def prune(before: datetime) -> int:
    """Forget finished mails (sent, skipped, failed) queued before `before`."""
    return await MailMessage.filter(status__in=("sent", "skipped", "failed"), created_at__lt=before).delete()


def _claimable(now: datetime) -> Q:
    return Q(status="pending", next_attempt_at__lte=now) & (Q(lease_until__isnull=True) | Q(lease_until__lt=now))


def _now() -> datetime:
    return datetime.now(timezone.utc)
