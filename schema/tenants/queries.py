"""Tenant queries."""

from __future__ import annotations

from dataclasses import asdict
from typing import Optional

import strawberry
from strawberry.types import Info

from resolvers.tenants import service
from schema.tenants.types import Tenant, TenantConfig, TenantMatch, Usage


@strawberry.type
class TenantQueries:
    @strawberry.field(description="The caller's tenant.")
    async def tenant(self, info: Info) -> Tenant:
        return Tenant.from_model(await service.current_tenant(info.context.principal))

    @strawberry.field(description="The caller's usage and plan limits.")
    async def usage(self, info: Info) -> Usage:
        return Usage(**asdict(await service.usage(info.context.principal)))

    @strawberry.field(description="Public configuration of a tenant. Public.")
    async def tenant_config(self, tenant_id: Optional[str] = None) -> TenantConfig:
        return TenantConfig(**asdict(await service.tenant_config(tenant_id)))

    @strawberry.field(description="Tenants an email address belongs to. Public, rate-limited per IP.")
    async def lookup_tenants(self, info: Info, email: str) -> list[TenantMatch]:
        matches = await service.lookup_by_email(email, client_ip=info.context.client_ip or "", runtime=info.context.runtime)
        return [TenantMatch(**asdict(m)) for m in matches]
