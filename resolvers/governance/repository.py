"""Governance as stored on tenant rows (tenants are the scope themselves)."""

from __future__ import annotations

from datetime import datetime, timedelta

from models.tenants import Tenant
from resolvers.governance.schemas import Governance


async def retention_cutoffs(now: datetime) -> list[tuple[str, datetime]]:
    """Per tenant, the moment before which its retained history (audit log, endpoint
    executions) is dropped: `audit_retention_days` before `now`."""
    rows = await Tenant.all().values_list("id", "governance")
    return [(tenant_id, now - timedelta(days=Governance.of(stored).audit_retention_days)) for tenant_id, stored in rows]
