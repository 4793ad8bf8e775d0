"""Tenant shapes and plan limits."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

TENANT_STATUSES = ("active", "suspended")
GIB = 1024**3

PLAN_LIMITS: dict[str, dict[str, int]] = {
    "free": {"api_keys": 25, "storage_bytes": 1 * GIB, "objects": 10_000},
    "pro": {"api_keys": 200, "storage_bytes": 100 * GIB, "objects": 1_000_000},
    "enterprise": {"api_keys": 2_000, "storage_bytes": 1_000 * GIB, "objects": 100_000_000},
}


@dataclass(frozen=True)
class Usage:
    tenant_id: str
    plan_tier: str
    used_storage_bytes: int
    plan_limits: dict[str, int]
    api_keys: int


@dataclass(frozen=True)
class TenantConfig:
    """What an unauthenticated client may learn about a tenant (login pages, branding)."""

    tenant_id: str
    name: str
    brand_name: str
    branding: dict[str, Any]
    auth: dict[str, Any]


@dataclass(frozen=True)
class TenantMatch:
    tenant_id: str
    brand_name: str
