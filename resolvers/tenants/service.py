"""Tenants: provisioning, public configuration, lookup and usage."""

from __future__ import annotations

import unicodedata

from models.tenants import Tenant
from resolvers.api_keys import repository as api_keys
from resolvers.auth import config as auth_config
from resolvers.authz import require_principal
from resolvers.errors import NotFound, TenantSuspended, ValidationError
from resolvers.ids import new_id
from resolvers.principal import Principal
from resolvers.rate_limit.service import Limit
from resolvers.runtime import Runtime
from resolvers.tenants import repository
from resolvers.tenants.schemas import PLAN_LIMITS, TenantConfig, TenantMatch, Usage

MAX_EMAIL_LENGTH = 320


def normalize_email(raw: str) -> str:
    """NFKC, trimmed, lower-cased: one spelling per mailbox."""
    email = unicodedata.normalize("NFKC", raw).strip().lower()
    local, at, domain = email.partition("@")
    if not at or not local or "." not in domain or " " in email or len(email) > MAX_EMAIL_LENGTH:
        raise ValidationError.single("email", "must be a valid email address")
    return email


async def create_tenant(name: str, *, owner_email: str | None = None, plan_tier: str = "free") -> Tenant:
    name = name.strip()
    if not name or len(name) > 200:
        raise ValidationError.single("name", "must be 1 to 200 characters")
    if plan_tier not in PLAN_LIMITS:
        raise ValidationError.single("plan_tier", f"must be one of {', '.join(PLAN_LIMITS)}")
    return await Tenant.create(
        id=new_id("tn"),
        name=name,
        owner_email=normalize_email(owner_email) if owner_email else None,
        plan_tier=plan_tier,
    )


async def set_status(tenant_id: str, status: str) -> Tenant:
    tenant = await _get(tenant_id)
    tenant.status = status
    await tenant.save(update_fields=["status", "updated_at"])
    return tenant


def plan_limits(tenant: Tenant) -> dict[str, int]:
    """The plan's limits with the tenant's own quota overrides on top."""
    limits = dict(PLAN_LIMITS.get(tenant.plan_tier, PLAN_LIMITS["free"]))
    limits.update({k: int(v) for k, v in (tenant.quotas or {}).items()})
    return limits


async def current_tenant(principal: Principal | None) -> Tenant:
    caller = require_principal(principal)
    return await _get(caller.tenant_id)


async def usage(principal: Principal | None) -> Usage:
    tenant = await current_tenant(principal)
    return Usage(
        tenant_id=tenant.id,
        plan_tier=tenant.plan_tier,
        used_storage_bytes=tenant.used_storage_bytes,
        plan_limits=plan_limits(tenant),
        api_keys=await api_keys.count_active(tenant.id),
    )


async def tenant_config(tenant_id: str | None) -> TenantConfig:
    """Public: a login page needs branding and auth options before anyone is signed in."""
    if not tenant_id:
        raise ValidationError.single("tenant_id", "identify the tenant with the X-Tenant-Id header or ?tenant_id=")
    tenant = await repository.get(tenant_id)
    if tenant is None:
        raise NotFound(f"Tenant {tenant_id} not found")
    if tenant.status == "suspended":
        raise TenantSuspended()
    branding = dict(tenant.branding or {})
    policy = await auth_config.policy(tenant.id)
    providers = [name for name, enabled in policy.providers.items() if enabled]
    return TenantConfig(
        tenant_id=tenant.id,
        name=tenant.name,
        brand_name=branding.get("brand_name") or tenant.name,
        branding=branding,
        auth={"signup_enabled": "email" in providers, "password_min_length": policy.password_min_length, "providers": providers},
    )


async def lookup_by_email(email: str, *, client_ip: str, runtime: Runtime) -> list[TenantMatch]:
    """Public and rate-limited per IP: lets a login page find the tenant a person belongs to."""
    await runtime.rate_limiter.hit(f"lookup:{client_ip}", Limit(runtime.lookup_rate_limit))
    tenants = await repository.by_owner_email(normalize_email(email))
    return [TenantMatch(t.id, (t.branding or {}).get("brand_name") or t.name) for t in tenants]


async def _get(tenant_id: str) -> Tenant:
    tenant = await repository.get(tenant_id)
    if tenant is None:
        raise NotFound(f"Tenant {tenant_id} not found")
    return tenant
