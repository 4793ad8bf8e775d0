"""Governance reads (scope `auth`)."""

from __future__ import annotations

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from resolvers.governance import service


@strawberry.type
class GovernanceQueries:
    @strawberry.field(description="audit_retention_days, session_duration_secs, password_min_length, ip_allowlist.")
    async def governance(self, info: Info) -> JSON:
        return await service.get_governance(info.context.principal)
