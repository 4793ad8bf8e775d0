"""The audit log (scope `auth`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Optional

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from models.audit import AuditEntry
from resolvers.audit import service


@strawberry.type(name="AuditEntry", description="One administrative or security-relevant action, hash-chained per tenant.")
class AuditEntryNode:
    id: strawberry.ID
    seq: int
    action: str
    resource_type: str
    resource_id: Optional[str]
    actor: Optional[str]
    actor_kind: Optional[str]
    before: Optional[JSON]
    after: Optional[JSON]
    ip: Optional[str]
    request_id: Optional[str]
    created_at: datetime
    prev_hash: str
    hash: str

    @classmethod
    def of(cls, row: AuditEntry) -> "AuditEntryNode":
        before: Any = row.before
        after: Any = row.after
        return cls(
            id=strawberry.ID(row.id), seq=row.seq, action=row.action, resource_type=row.resource_type, resource_id=row.resource_id,
            actor=row.actor, actor_kind=row.actor_kind, before=before, after=after, ip=row.ip, request_id=row.request_id,
            created_at=row.created_at, prev_hash=row.prev_hash, hash=row.hash,
        )


@strawberry.type
class AuditPage:
    entries: list[AuditEntryNode]
    total: int


@strawberry.type
class AuditQueries:
    @strawberry.field(description="Audit entries, newest first, filtered by action and resource_type.")
    async def audit_logs(
        self, info: Info, action: Optional[str] = None, resource_type: Optional[str] = None, limit: Optional[int] = None, offset: Optional[int] = None
    ) -> AuditPage:
        rows, total = await service.list_entries(info.context.principal, action=action, resource_type=resource_type, limit=limit, offset=offset)
        return AuditPage(entries=[AuditEntryNode.of(r) for r in rows], total=total)
