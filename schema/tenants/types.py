"""Tenant GraphQL types."""

from __future__ import annotations

from datetime import datetime
from typing import Optional

import strawberry
from strawberry.scalars import JSON

from models.tenants import Tenant as TenantModel
from schema.scalars import BigInt


@strawberry.type(description="The caller's tenant.")
class Tenant:
    id: strawberry.ID
    name: str
    plan_tier: str
    status: str
    owner_email: Optional[str]
    created_at: datetime

    @classmethod
    def from_model(cls, tenant: TenantModel) -> "Tenant":
        return cls(
            id=strawberry.ID(tenant.id),
            name=tenant.name,
            plan_tier=tenant.plan_tier,
            status=tenant.status,
            owner_email=tenant.owner_email,
            created_at=tenant.created_at,
        )


@strawberry.type(description="What the tenant uses against its plan's limits.")
class Usage:
    tenant_id: str
    plan_tier: str
    used_storage_bytes: BigInt = strawberry.field(description="Bytes stored in files")
    plan_limits: JSON
    api_keys: int


@strawberry.type(description="Public tenant configuration for login and signup pages.")
class TenantConfig:
    tenant_id: str
    name: str
    brand_name: str
    branding: JSON
    auth: JSON


@strawberry.type(description="A tenant that an email address belongs to.")
class TenantMatch:
    tenant_id: str
    brand_name: str
