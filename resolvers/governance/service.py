"""Tenant governance (scope `auth`): audit retention, session duration, password minimum length
and an IP allowlist for every key and user. Stored on the tenant row, which authentication reads
with every credential, so a change applies to the next request on every process."""

from __future__ import annotations

import ipaddress
from typing import Any

from models.tenants import Tenant
from resolvers.audit import service as audit
from resolvers.authz import require_scope
from resolvers.errors import FieldError, NotFound, ValidationError
from resolvers.governance.schemas import DEFAULTS, MAX_ALLOWLIST, Governance
from resolvers.principal import Principal

BOUNDS = {"audit_retention_days": (1, 3650), "session_duration_secs": (300, 31_536_000), "password_min_length": (6, 128)}


async def current(tenant_id: str) -> Governance:
    tenant = await Tenant.get_or_none(id=tenant_id)
    return Governance.of(tenant.governance if tenant else None)


async def get_governance(principal: Principal | None) -> dict[str, Any]:
    caller = require_scope(principal, "auth")
    return (await current(caller.tenant_id)).as_dict()


async def update_governance(principal: Principal | None, patch: Any) -> dict[str, Any]:
    caller = require_scope(principal, "auth")
    if not isinstance(patch, dict):
        raise ValidationError.single("body", "must be a JSON object")
    errors = [FieldError(k, "is not a governance setting") for k in sorted(set(patch) - set(DEFAULTS))]
    merged = {**(await current(caller.tenant_id)).as_dict()}
    for name, (low, high) in BOUNDS.items():
        if name in patch:
            value = patch[name]
            if value is None and name in ("session_duration_secs", "password_min_length"):
                merged[name] = None
            elif isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                errors.append(FieldError(name, f"must be an integer from {low} to {high}"))
            else:
                merged[name] = value
    if "ip_allowlist" in patch:
        merged["ip_allowlist"] = _allowlist(patch["ip_allowlist"], errors)
    if errors:
        raise ValidationError(errors)
    before = (await current(caller.tenant_id)).as_dict()
    if not await Tenant.filter(id=caller.tenant_id).update(governance=merged):
        raise NotFound("Tenant not found")
    await audit.record(caller, "governance.updated", "governance", caller.tenant_id, before=before, after=merged)
    return merged


def _allowlist(value: Any, errors: list[FieldError]) -> list[str]:
    if not isinstance(value, list) or len(value) > MAX_ALLOWLIST:
        errors.append(FieldError("ip_allowlist", f"must be a list of at most {MAX_ALLOWLIST} IP addresses or CIDR ranges"))
        return []
    networks: list[str] = []
    for i, entry in enumerate(value):
        try:
            networks.append(str(ipaddress.ip_network(str(entry), strict=False)))
        except ValueError:
            errors.append(FieldError(f"ip_allowlist[{i}]", f"{entry!r} is not an IP address or CIDR range"))
    return networks
