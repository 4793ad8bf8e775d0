"""API keys: minting, attenuation, revocation, rotation and authentication.

A key may only mint or manage keys it dominates: no scope it lacks, no wider IP allowlist, no
later expiry, no higher rate limit. That closes every escalation path (a restricted key cannot
mint an unrestricted one, nor rotate one to learn its token). Revoking a key that minted others
goes through secure deletion: the children are counted, and `force` revokes them too.
"""

from __future__ import annotations

import ipaddress
import secrets
import time
from datetime import datetime, timezone

from models.api_keys import ApiKey
from resolvers.api_keys import repository
from resolvers.api_keys.schemas import (
    LIST_MAX_LIMIT,
    MAX_ALLOWLIST_ENTRIES,
    MAX_LABEL_LENGTH,
    MAX_RATE_LIMIT,
    TOKEN_PREFIX,
    CreatedKey,
    Credential,
    KeyCreate,
    KeyPatch,
    RevokedKey,
    RotatedKey,
)
from resolvers.audit import service as audit
from resolvers.authz import SCOPES, covers, require_principal
from resolvers.errors import (
    FieldError,
    Forbidden,
    InsufficientScope,
    IpNotAllowed,
    QuotaExceeded,
    TenantSuspended,
    Unauthorized,
    ValidationError,
)
from resolvers.ids import new_id, sha256_hex
from resolvers.principal import Principal
from resolvers.rate_limit.service import Limit
from resolvers.runtime import Runtime
from resolvers.scoping import get_scoped
from resolvers.secure_delete.schemas import Dependency
from resolvers.secure_delete.service import guard_delete
from resolvers.tenants import repository as tenants
from resolvers.tenants.service import plan_limits

LAST_USED_WRITE_INTERVAL = 60.0


# --- reads -------------------------------------------------------------------------------


async def list_keys(principal: Principal | None, *, limit: int = 50, offset: int = 0, include_revoked: bool = False) -> list[ApiKey]:
    caller = require_principal(principal)
    if not 1 <= limit <= LIST_MAX_LIMIT:
        raise ValidationError.single("limit", f"must be between 1 and {LIST_MAX_LIMIT}")
    if offset < 0:
        raise ValidationError.single("offset", "must be 0 or more")
    return await repository.page(caller.tenant_id, limit=limit, offset=offset, include_revoked=include_revoked)


async def get_key(principal: Principal | None, key_id: str) -> ApiKey:
    caller = require_principal(principal)
    return await get_scoped(ApiKey, caller.tenant_id, key_id, label="API key")


# --- writes ------------------------------------------------------------------------------


async def create_key(principal: Principal | None, data: KeyCreate) -> CreatedKey:
    caller = require_principal(principal)
    values = _validated(
        caller,
        label=data.label,
        scopes=data.scopes,
        ip_allowlist=data.ip_allowlist or [],
        expires_at=data.expires_at,
        rate_limit=data.rate_limit,
    )
    await _check_quota(caller.tenant_id)
    created = await _mint(caller.tenant_id, parent_key_id=caller.key_id, **values)
    await audit.record(caller, "api_key.created", "api_key", created.key.id, after=_shown(created.key))
    return created


async def create_root_key(tenant_id: str, *, label: str, scopes: list[str]) -> CreatedKey:
    """Operator path (CLI, first start): a key minted by no other key."""
    if await tenants.get(tenant_id) is None:
        raise ValidationError.single("tenant", f"tenant {tenant_id} does not exist")
    operator = Principal(tenant_id=tenant_id, kind="api_key", scopes=frozenset({"*"}))
    values = _validated(operator, label=label, scopes=scopes, ip_allowlist=[], expires_at=None, rate_limit=None)
    return await _mint(tenant_id, parent_key_id=None, **values)


async def update_key(principal: Principal | None, key_id: str, patch: KeyPatch) -> ApiKey:
    caller = require_principal(principal)
    key = await _manageable(caller, key_id)
    merged = {
        "label": patch.get("label", key.label),
        "scopes": patch.get("scopes", key.scopes),
        "ip_allowlist": patch.get("ip_allowlist", key.ip_allowlist) or [],
        "expires_at": patch.get("expires_at", key.expires_at),
        "rate_limit": patch.get("rate_limit", key.rate_limit),
    }
    before = _shown(key)
    values = _validated(caller, **merged, check_expiry_future="expires_at" in patch)
    for name, value in values.items():
        setattr(key, name, value)
    await key.save()
    await audit.record(caller, "api_key.updated", "api_key", key.id, before=before, after=_shown(key))
    return key


async def revoke_key(
    principal: Principal | None,
    key_id: str,
    *,
    runtime: Runtime,
    force: bool = False,
    confirm_token: str | None = None,
) -> RevokedKey:
    caller = require_principal(principal)
    key = await _manageable(caller, key_id)
    children = await repository.count_children(caller.tenant_id, key.id)
    await guard_delete(
        secret_key=runtime.secret_key,
        tenant_id=caller.tenant_id,
        resource_type="api_key",
        resource_id=key.id,
        dependencies=[Dependency("api_keys", children, "API keys minted by this key")],
        force=force,
        confirm_token=confirm_token,
    )
    descendants = await repository.descendant_ids(caller.tenant_id, key.id)
    await repository.revoke(caller.tenant_id, [key.id, *descendants])
    await audit.record(caller, "api_key.revoked", "api_key", key.id, after={"revoked_keys": [key.id, *descendants], "forced": force})
    return RevokedKey(key_id=key.id, revoked=True, revoked_keys=[key.id, *descendants])


async def rotate_key(principal: Principal | None, key_id: str, *, label: str | None = None, scopes: list[str] | None = None) -> RotatedKey:
    """Replace a key's token: the old one stops working at once, children move to the new one."""
    caller = require_principal(principal)
    old = await _manageable(caller, key_id)
    values = _validated(
        caller,
        label=label if label is not None else old.label,
        scopes=scopes if scopes is not None else old.scopes,
        ip_allowlist=old.ip_allowlist or [],
        expires_at=old.expires_at,
        rate_limit=old.rate_limit,
        check_expiry_future=False,
    )
    created = await _mint(caller.tenant_id, parent_key_id=old.parent_key_id, **values)
    await repository.reparent(caller.tenant_id, old.id, created.key.id)
    await repository.revoke(caller.tenant_id, [old.id])
    await old.refresh_from_db()
    await audit.record(caller, "api_key.rotated", "api_key", old.id, after={"new_key_id": created.key.id})
    return RotatedKey(old_key=old, new_key=created.key, token=created.token)


# --- authentication ----------------------------------------------------------------------


def looks_like_api_key(token: str) -> bool:
    return token.startswith(TOKEN_PREFIX)


async def authenticate(token: str, *, client_ip: str | None, runtime: Runtime) -> Principal:
    """Turn a bearer token into a principal, or raise 401/403/429. No cache: revocation is immediate."""
    key = await repository.credential(sha256_hex(token))
    if key is None:
        raise Unauthorized("Invalid API key")
    now = datetime.now(timezone.utc)
    if key.revoked:
        raise Unauthorized("This API key has been revoked")
    if key.expires_at is not None and key.expires_at <= now:
        raise Unauthorized("This API key has expired")
    if key.tenant_status == "suspended":
        raise TenantSuspended()
    if (key.ip_allowlist and not ip_allowed(client_ip, key.ip_allowlist)) or not key.governance.allows_ip(client_ip):
        raise IpNotAllowed()
    if key.rate_limit:
        await runtime.rate_limiter.hit(f"key:{key.key_id}", Limit(key.rate_limit))
    await _touch(key, now, runtime.last_used_written)
    return _principal_of(key)


_principals: dict[int, tuple[Credential, Principal]] = {}


def _principal_of(key: Credential) -> Principal:
    """The key's principal, one per credential (the repository keeps credentials while their
    row is unchanged; a principal is immutable)."""
    found = _principals.get(id(key))
    if found is not None and found[0] is key:
        return found[1]
    principal = Principal(
        tenant_id=key.tenant_id,
        kind="api_key",
        scopes=frozenset(key.scopes),
        key_id=key.key_id,
        ip_allowlist=key.ip_allowlist,
        expires_at=key.expires_at,
        rate_limit=key.rate_limit,
        schema_version=key.schema_version,
    )
    if len(_principals) >= repository.CREDENTIALS_KEPT:
        _principals.clear()
    _principals[id(key)] = (key, principal)  # keeps the credential, so its id stays its own
    return principal


def ip_allowed(client_ip: str | None, allowlist: list[str] | tuple[str, ...]) -> bool:
    if not client_ip:
        return False
    try:
        address = ipaddress.ip_address(client_ip)
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(cidr, strict=False) for cidr in allowlist)


async def _touch(key: Credential, now: datetime, written: dict[str, float]) -> None:
    """Record last use at most once a minute per process: a read path must not write every time."""
    if time.monotonic() - written.get(key.key_id, 0.0) >= LAST_USED_WRITE_INTERVAL:
        written[key.key_id] = time.monotonic()
        await repository.touch(key.key_id, key.tenant_id, now)


# --- helpers -----------------------------------------------------------------------------


def _shown(key: ApiKey) -> dict[str, object]:
    """What the audit log keeps of a key (never its secret)."""
    return {"label": key.label, "scopes": list(key.scopes or []), "ip_allowlist": list(key.ip_allowlist or []),
            "expires_at": key.expires_at.isoformat() if key.expires_at else None, "rate_limit": key.rate_limit}


async def _mint(tenant_id: str, *, parent_key_id: str | None, **values: object) -> CreatedKey:
    token = TOKEN_PREFIX + secrets.token_urlsafe(30).replace("-", "A").replace("_", "B")
    key = await ApiKey.create(
        id=new_id("key"),
        tenant_id=tenant_id,
        prefix=token[:12],
        token_hash=sha256_hex(token),
        parent_key_id=parent_key_id,
        **values,
    )
    return CreatedKey(key=key, token=token)


async def _check_quota(tenant_id: str) -> None:
    tenant = await tenants.get(tenant_id)
    limit = plan_limits(tenant)["api_keys"] if tenant else 0
    if await repository.count_active(tenant_id) >= limit:
        raise QuotaExceeded(f"This tenant may have at most {limit} active API keys")


async def _manageable(caller: Principal, key_id: str) -> ApiKey:
    """The key, if it belongs to the caller's tenant (404 otherwise) and the caller dominates it."""
    key = await get_scoped(ApiKey, caller.tenant_id, key_id, label="API key")
    if key.revoked_at is not None:
        raise Forbidden("This API key is already revoked")
    if not covers(caller.scopes, key.scopes):
        raise InsufficientScope("This key has scopes your credentials lack")
    problems = _attenuation_problems(caller, key.ip_allowlist or [], key.expires_at, key.rate_limit)
    if problems:
        raise Forbidden("This key is less restricted than your credentials: " + "; ".join(p.message for p in problems))
    return key


def _validated(
    caller: Principal,
    *,
    label: str,
    scopes: list[str],
    ip_allowlist: list[str],
    expires_at: datetime | None,
    rate_limit: int | None,
    check_expiry_future: bool = True,
) -> dict[str, object]:
    """Check shape first (400), then that the caller may grant it (403)."""
    errors: list[FieldError] = []
    label = (label or "").strip()
    if not label or len(label) > MAX_LABEL_LENGTH:
        errors.append(FieldError("label", f"must be 1 to {MAX_LABEL_LENGTH} characters"))
    clean_scopes = _clean_scopes(scopes, errors)
    networks = _clean_allowlist(ip_allowlist, errors)
    if expires_at is not None:
        if expires_at.tzinfo is None:
            expires_at = expires_at.replace(tzinfo=timezone.utc)
        if check_expiry_future and expires_at <= datetime.now(timezone.utc):
            errors.append(FieldError("expires_at", "must be in the future"))
    if rate_limit is not None and not 1 <= rate_limit <= MAX_RATE_LIMIT:
        errors.append(FieldError("rate_limit", f"must be between 1 and {MAX_RATE_LIMIT} requests per minute"))
    if errors:
        raise ValidationError(errors)
    if not covers(caller.scopes, clean_scopes):
        missing = sorted(set(clean_scopes) - set(caller.scopes))
        raise InsufficientScope(f"You cannot grant scopes you lack: {', '.join(missing)}")
    problems = _attenuation_problems(caller, networks, expires_at, rate_limit)
    if problems:
        raise Forbidden("A key cannot be less restricted than the key that grants it: " + "; ".join(p.message for p in problems))
    return {
        "label": label,
        "scopes": clean_scopes,
        "ip_allowlist": networks,
        "expires_at": expires_at,
        "rate_limit": rate_limit,
    }


def _clean_scopes(scopes: list[str], errors: list[FieldError]) -> list[str]:
    if not scopes:
        errors.append(FieldError("scopes", "must name at least one scope"))
        return []
    clean: list[str] = []
    for index, scope in enumerate(scopes):
        if scope not in SCOPES:
            errors.append(FieldError(f"scopes[{index}]", f"unknown scope {scope!r}; use {', '.join(SCOPES)}"))
        elif scope not in clean:
            clean.append(scope)
    return ["*"] if "*" in clean else clean


def _clean_allowlist(entries: list[str], errors: list[FieldError]) -> list[str]:
    if len(entries) > MAX_ALLOWLIST_ENTRIES:
        errors.append(FieldError("ip_allowlist", f"at most {MAX_ALLOWLIST_ENTRIES} entries"))
        return []
    networks: list[str] = []
    for index, entry in enumerate(entries):
        try:
            networks.append(str(ipaddress.ip_network(entry.strip(), strict=False)))
        except ValueError:
            errors.append(FieldError(f"ip_allowlist[{index}]", f"{entry!r} is not an IP address or CIDR range"))
    return networks


def _attenuation_problems(caller: Principal, networks: list[str], expires_at: datetime | None, rate_limit: int | None) -> list[FieldError]:
    problems: list[FieldError] = []
    if caller.ip_allowlist:
        parents = [ipaddress.ip_network(c, strict=False) for c in caller.ip_allowlist]
        inside = networks and all(
            any(_subnet_of(ipaddress.ip_network(n), p) for p in parents) for n in networks
        )
        if not inside:
            problems.append(FieldError("ip_allowlist", "must lie within your own IP allowlist"))
    if caller.expires_at is not None and (expires_at is None or expires_at > caller.expires_at):
        problems.append(FieldError("expires_at", "must not be later than your own key's expiry"))
    if caller.rate_limit is not None and (rate_limit is None or rate_limit > caller.rate_limit):
        problems.append(FieldError("rate_limit", "must not exceed your own key's rate limit"))
    return problems


def _subnet_of(child: ipaddress.IPv4Network | ipaddress.IPv6Network, parent: ipaddress.IPv4Network | ipaddress.IPv6Network) -> bool:
    return child.version == parent.version and child.subnet_of(parent)  # type: ignore[arg-type]


async def keys_by_ids(tenant_id: str, key_ids: list[str]) -> list[ApiKey | None]:
    """Dataloader batch: one query for many ids, in the order asked."""
    rows = {k.id: k for k in await repository.by_ids(tenant_id, key_ids)}
    return [rows.get(key_id) for key_id in key_ids]
