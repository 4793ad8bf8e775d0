"""The plan's `objects` quota (live and trashed objects per tenant), as a soft limit.

Counting a large tenant's objects on every create would cost more than the create, and a
counter row per tenant would serialise every write of that tenant on one row lock. So each
process keeps the count and the limit it last read and refreshes them every few seconds,
adding what it inserts in between. Several processes inserting at once can overshoot the
limit by what they insert within one refresh interval; a rolled-back insert is counted until
the next refresh (erring on the refusing side). Both are documented in the README.
"""

from __future__ import annotations

import time

from resolvers.errors import QuotaExceeded
from resolvers.objects import repository
from resolvers.tenants import repository as tenants
from resolvers.tenants.service import plan_limits

REFRESH_SECONDS = 5.0

_known: dict[str, tuple[float, int, int]] = {}  # tenant -> (read at, objects, limit)


async def reserve(tenant_id: str, adding: int) -> None:
    """Raise 403 QUOTA_EXCEEDED unless `adding` more objects fit in the tenant's plan."""
    known = _known.get(tenant_id)
    if known is None or time.monotonic() - known[0] > REFRESH_SECONDS:
        known = (time.monotonic(), await repository.count_all(tenant_id), await _limit(tenant_id))
    read_at, count, limit = known
    if count + adding > limit:
        _known[tenant_id] = (read_at, count, limit)
        raise QuotaExceeded(
            f"The plan allows {limit} objects; this tenant has {count} and the request adds {adding}",
            details={"limit": limit, "used": count, "adding": adding},
        )
    _known[tenant_id] = (read_at, count + adding, limit)


async def _limit(tenant_id: str) -> int:
    tenant = await tenants.get(tenant_id)
    return plan_limits(tenant)["objects"] if tenant is not None else 0


def forget(tenant_id: str) -> None:
    """Read the count and limit again on the next reservation (after a plan change, in tests)."""
    _known.pop(tenant_id, None)
