"""Portal auth: the public `/v1/auth/portal-*` routes of a hosted login page. No bearer: the
tenant is named in the body, checked here, and the same services as the app routes run under a
portal principal that carries no scope (it can only sign in and up)."""

from __future__ import annotations

from typing import Any

from models.auth import User
from models.tenants import Tenant
from resolvers.auth.service import normalize_email
from resolvers.errors import IpNotAllowed, NotFound, TenantSuspended, ValidationError
from resolvers.governance.schemas import Governance
from resolvers.principal import Principal
from resolvers.rate_limit.service import Limit
from resolvers.runtime import Runtime

MAX_TENANTS_LISTED = 20


async def principal_for(tenant_id: Any, *, client_ip: str | None) -> Principal:
    """The portal principal of an active tenant, for a client its IP allowlist admits (the
    allowlist covers the hosted login page as it covers keys and user tokens)."""
    tenant = await open_tenant(tenant_id)
    if not Governance.of(tenant.governance).allows_ip(client_ip):
        raise IpNotAllowed()
    return Principal(tenant_id=tenant.id, kind="portal", scopes=frozenset())


async def open_tenant(tenant_id: Any) -> Tenant:
    """The named tenant, if it exists and is not suspended."""
    if not isinstance(tenant_id, str) or not tenant_id:
        raise ValidationError.single("tenant_id", "is required: the tenant whose users sign in here")
    tenant = await Tenant.get_or_none(id=tenant_id)
    if tenant is None:
        raise NotFound(f"Tenant {tenant_id} not found")
    if tenant.status == "suspended":
        raise TenantSuspended()
    return tenant


async def identify(email: Any, *, client_ip: str | None, runtime: Runtime) -> dict[str, Any]:
    """Which tenants have an account for this email (rate-limited per IP, like the tenant lookup,
    since it tells whether an address has accounts). Across tenants by design: it answers ids and
    names only."""
    await runtime.rate_limiter.hit(f"portal-identify:{client_ip}", Limit(runtime.lookup_rate_limit))
    address = normalize_email(email)
    tenant_ids = await User.filter(email=address, is_anonymous=False).distinct().limit(MAX_TENANTS_LISTED).values_list("tenant_id", flat=True)
    tenants = await Tenant.filter(id__in=list(tenant_ids), status="active").order_by("name", "id")
    listed = [{"id": t.id, "name": (t.branding or {}).get("brand_name") or t.name} for t in tenants]
    return {"tenant_id": listed[0]["id"] if len(listed) == 1 else None, "multiple_tenants": len(listed) > 1, "tenants": listed}
