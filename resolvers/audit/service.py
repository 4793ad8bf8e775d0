"""The audit log. `record` writes an entry in the caller's transaction (so it commits or rolls back
with the action; a refused login is recorded with `even_if_rolled_back`), chained per tenant:
appending locks the tenant's head row, so entries get consecutive numbers and each hash covers
the previous one. `verify` walks a tenant's chain and names the first entry that does not match.
Reading needs scope `auth`; retention follows governance (pruned by the mail worker's hourly
housekeeping)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from models.audit import AuditEntry, AuditHead
from resolvers import db
from resolvers.audit.schemas import GENESIS, REQUEST, entry_hash, hashed_fields, stamp
from resolvers.authz import require_scope
from resolvers.errors import ValidationError
from resolvers.governance import repository as governance
from resolvers.ids import new_id
from resolvers.paging import bounded_int
from resolvers.principal import Principal
from resolvers.scoping import scoped

MAX_FILTER = 80


async def record(
    principal: Principal | None, action: str, resource_type: str, resource_id: str | None, *,
    tenant_id: str | None = None, before: Any = None, after: Any = None, actor: str | None = None,
) -> None:
    tenant = tenant_id or (principal.tenant_id if principal else None)
    if not tenant:
        return
    async with db.transaction():  # the request's, when there is one; its own otherwise
        await _append(principal, tenant, action, resource_type, resource_id, before=before, after=after, actor=actor)


async def _append(
    principal: Principal | None, tenant: str, action: str, resource_type: str, resource_id: str | None, *,
    before: Any, after: Any, actor: str | None,
) -> None:
    facts = REQUEST.get()
    head = await _lock_head(tenant)
    seq, now = head.last_seq + 1, datetime.now(timezone.utc)
    fields = hashed_fields(
        tenant_id=tenant, seq=seq, action=action, resource_type=resource_type, resource_id=resource_id,
        actor=actor or (principal.actor if principal else None), actor_kind=principal.kind if principal else None,
        before=before, after=after, ip=facts.ip, request_id=facts.request_id, created_at=stamp(now),
    )
    digest = entry_hash(head.last_hash, fields)
    await AuditEntry.create(
        id=new_id("aud"), tenant_id=tenant, seq=seq, action=action, resource_type=resource_type, resource_id=resource_id,
        actor=fields["actor"], actor_kind=fields["actor_kind"], before=before, after=after, ip=facts.ip,
        request_id=facts.request_id, created_at=now, prev_hash=head.last_hash, hash=digest,
    )
    await AuditHead.filter(tenant_id=tenant).update(last_seq=seq, last_hash=digest)


async def _lock_head(tenant_id: str) -> AuditHead:
    """The tenant's head row, locked until the transaction ends (created on first use)."""
    sql = db.Sql(db.dialect())
    await db.execute(
        f"INSERT INTO audit_heads (tenant_id, last_seq, last_hash) VALUES ({sql.param(tenant_id)}, 0, {sql.param(GENESIS)})"
        " ON CONFLICT (tenant_id) DO NOTHING",
        sql.params,
    )
    if db.dialect() == "postgres":
        return await AuditHead.filter(tenant_id=tenant_id).select_for_update().get()
    return await AuditHead.get(tenant_id=tenant_id)


async def list_entries(
    principal: Principal | None, *, action: str | None = None, resource_type: str | None = None, limit: Any = None, offset: Any = None
) -> tuple[list[AuditEntry], int]:
    caller = require_scope(principal, "auth")
    query = scoped(AuditEntry, caller.tenant_id)
    for name, value in (("action", action), ("resource_type", resource_type)):
        if value is not None:
            if not isinstance(value, str) or len(value) > MAX_FILTER:
                raise ValidationError.single(name, f"must be text of at most {MAX_FILTER} characters")
            query = query.filter(**{name: value})
    size = bounded_int(limit, "limit", default=50, low=1, high=100)
    skip = bounded_int(offset, "offset", default=0, low=0, high=10_000_000)
    return await query.order_by("-seq").offset(skip).limit(size), await query.count()


@dataclass(frozen=True)
class Verification:
    tenant_id: str
    entries: int
    broken_at: int | None  # the seq of the first entry whose hash or link does not match
    reason: str | None


async def verify(tenant_id: str) -> Verification:
    """Recompute the chain; pruned history is fine (the first kept entry's link is taken as given)."""
    previous: str | None = None
    count = 0
    expected_seq: int | None = None
    for entry in await AuditEntry.filter(tenant_id=tenant_id).order_by("seq"):
        count += 1
        if expected_seq is not None and entry.seq != expected_seq:
            return Verification(tenant_id, count, expected_seq, f"entry {expected_seq} is missing")
        if previous is not None and entry.prev_hash != previous:
            return Verification(tenant_id, count, entry.seq, "its link to the previous entry does not match")
        fields = hashed_fields(
            tenant_id=entry.tenant_id, seq=entry.seq, action=entry.action, resource_type=entry.resource_type, resource_id=entry.resource_id,
            actor=entry.actor, actor_kind=entry.actor_kind, before=entry.before, after=entry.after, ip=entry.ip,
            request_id=entry.request_id, created_at=stamp(entry.created_at),
        )
        if entry_hash(entry.prev_hash, fields) != entry.hash:
            return Verification(tenant_id, count, entry.seq, "its content does not match its hash (altered)")
        previous, expected_seq = entry.hash, entry.seq + 1
    return Verification(tenant_id, count, None, None)


async def prune(now: datetime) -> None:
    """Drop entries older than each tenant's retention (governance audit_retention_days)."""
    for tenant_id, cutoff in await governance.retention_cutoffs(now):
        await scoped(AuditEntry, tenant_id).filter(created_at__lt=cutoff).delete()
