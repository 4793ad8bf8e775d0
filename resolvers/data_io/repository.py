"""Export-job rows. Claiming is the one cross-tenant query here: a worker serves every tenant,
and takes a job with a conditional UPDATE so two processes can never run the same one."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from tortoise.expressions import Q

from models.data_io import DataExport
from resolvers.scoping import scoped


async def get(tenant_id: str, export_id: str) -> DataExport | None:
    return await scoped(DataExport, tenant_id).get_or_none(id=export_id)


def _claimable(now: datetime) -> Q:
    return Q(status="pending") | Q(status="running", lease_until__lt=now)


async def claim_next(worker_id: str, lease_seconds: int) -> DataExport | None:
    """The oldest pending (or abandoned) job, now leased to `worker_id`; None if there is none."""
    now = datetime.now(timezone.utc)
    candidates = await DataExport.filter(_claimable(now)).order_by("created_at").limit(5).values_list("id", flat=True)
    for job_id in candidates:
        taken = await DataExport.filter(_claimable(now), id=job_id).update(
            status="running", claimed_by=worker_id, lease_until=now + timedelta(seconds=lease_seconds), processed=0
        )
        if taken == 1:
            return await DataExport.get(id=job_id)
    return None


async def renew(job: DataExport, worker_id: str, processed: int, lease_seconds: int) -> bool:
    """Extend the lease and record progress; False if another worker took the job over."""
    until = datetime.now(timezone.utc) + timedelta(seconds=lease_seconds)
    changed = await scoped(DataExport, job.tenant_id).filter(id=job.id, claimed_by=worker_id, status="running").update(
        lease_until=until, processed=processed
    )
    return changed == 1


async def finish(job: DataExport, worker_id: str, **values: object) -> None:
    await scoped(DataExport, job.tenant_id).filter(id=job.id, claimed_by=worker_id).update(**values)
