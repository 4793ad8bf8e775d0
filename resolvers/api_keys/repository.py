"""API-key queries, always through the tenant scope."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

from models import jsoncodec
from models.api_keys import ApiKey
from resolvers import db
from resolvers.governance.schemas import Governance
from resolvers.api_keys.schemas import Credential
from resolvers.scoping import scoped

CREDENTIAL_SQL = (
    "SELECT k.id, k.tenant_id, k.scopes, k.ip_allowlist, k.expires_at, k.rate_limit, k.revoked_at,"
    " t.status AS tenant_status, t.schema_version, t.governance FROM api_keys k JOIN tenants t ON t.id = k.tenant_id WHERE k.token_hash = {}"
)


def active(tenant_id: str):
    return scoped(ApiKey, tenant_id).filter(revoked_at__isnull=True)


async def page(tenant_id: str, *, limit: int, offset: int, include_revoked: bool) -> list[ApiKey]:
    query = scoped(ApiKey, tenant_id) if include_revoked else active(tenant_id)
    return await query.order_by("-created_at", "-id").offset(offset).limit(limit)


async def count_active(tenant_id: str) -> int:
    return await active(tenant_id).count()


async def count_children(tenant_id: str, key_id: str) -> int:
    return await active(tenant_id).filter(parent_key_id=key_id).count()


async def descendant_ids(tenant_id: str, key_id: str) -> list[str]:
    """Every active key minted, directly or not, by `key_id` (one query per generation)."""
    found: list[str] = []
    frontier = [key_id]
    while frontier:
        frontier = await active(tenant_id).filter(parent_key_id__in=frontier).values_list("id", flat=True)
        frontier = [k for k in frontier if k not in found and k != key_id]
        found.extend(frontier)
    return found


async def revoke(tenant_id: str, key_ids: list[str]) -> None:
    now = datetime.now(timezone.utc)
    await active(tenant_id).filter(id__in=key_ids).update(revoked_at=now, updated_at=now)


async def reparent(tenant_id: str, old_parent: str, new_parent: str) -> None:
    await active(tenant_id).filter(parent_key_id=old_parent).update(parent_key_id=new_parent)


CREDENTIALS_KEPT = 1024  # credentials built from rows, by the row's values

_credentials: OrderedDict[tuple[Any, ...], Credential] = OrderedDict()


async def credential(token_hash: str) -> Credential | None:
    """What authentication needs, key and tenant status, in one prepared statement (the hot path
    of every request). Looked up by secret hash: the tenant is what we are about to learn.

    The row is read on every request (a revoked key or a suspended tenant is refused at once);
    only turning it into a `Credential` (three JSON documents) is kept, by all its values, so any
    change to the row builds a new one."""
    placeholder = "$1" if db.dialect() == "postgres" else "?"
    rows = await db.fetch_rows(CREDENTIAL_SQL.format(placeholder), [token_hash])
    if not rows:
        return None
    row = rows[0]
    try:
        key = tuple(row.values())
        found = _credentials.get(key)
    except TypeError:  # a value that cannot be a key (a driver that decodes JSON): build it each time
        return _credential(row)
    if found is None:
        found = _credentials[key] = _credential(row)
        while len(_credentials) > CREDENTIALS_KEPT:
            _credentials.popitem(last=False)
    return found


def _credential(row: Mapping[str, Any]) -> Credential:
    return Credential(
        key_id=row["id"],
        tenant_id=row["tenant_id"],
        tenant_status=row["tenant_status"],
        scopes=tuple(_json(row["scopes"]) or ()),
        ip_allowlist=tuple(_json(row["ip_allowlist"]) or ()),
        expires_at=db.as_datetime(row["expires_at"]) if row["expires_at"] is not None else None,
        rate_limit=row["rate_limit"],
        revoked=row["revoked_at"] is not None,
        schema_version=int(row["schema_version"]),
        governance=Governance.of(row["governance"]),
    )


def _json(value: object) -> object:
    return jsoncodec.loads(value) if isinstance(value, (str, bytes)) else value


async def touch(key_id: str, tenant_id: str, when: datetime) -> None:
    await scoped(ApiKey, tenant_id).filter(id=key_id).update(last_used_at=when)


async def by_ids(tenant_id: str, key_ids: list[str]) -> list[ApiKey]:
    return await scoped(ApiKey, tenant_id).filter(id__in=key_ids)


async def inactive(key_ids: list[str], now: datetime) -> set[str]:
    """Which of these keys may no longer be used: revoked, expired, deleted, or their tenant not
    active. Across tenants by key id (open streams of many tenants are checked in one query);
    it returns ids only, never a row."""
    sql = db.Sql(db.dialect())
    marks = ", ".join(sql.param(k) for k in key_ids)
    rows = await db.fetch(
        f"SELECT k.id FROM api_keys k JOIN tenants t ON t.id = k.tenant_id WHERE k.id IN ({marks})"
        f" AND k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > {sql.param(now)}) AND t.status = 'active'",
        sql.params,
    )
    return set(key_ids) - {r["id"] for r in rows}
