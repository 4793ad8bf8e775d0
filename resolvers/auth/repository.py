"""End-user auth queries, tenant-scoped; refresh tokens are found by their secret's hash (the
tenant is what the lookup tells us, as for API keys)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from models.auth import AuthSession, EmailLink, MfaFactor, MfaTicket, RefreshToken, User
from models.objects import DataObject
from resolvers import db
from resolvers.governance.schemas import Governance
from resolvers.auth.schemas import SessionRecord, UserCredential, UserRecord
from resolvers.ids import new_id
from resolvers.scoping import scoped

CREDENTIAL_SQL = (
    "SELECT u.id, u.tenant_id, u.role, u.status AS user_status, s.revoked_at, t.status AS tenant_status, t.schema_version,"
    " t.roles_version, t.governance, s.created_at AS session_started"
    " FROM auth_sessions s JOIN users u ON u.id = s.user_id AND u.tenant_id = s.tenant_id JOIN tenants t ON t.id = s.tenant_id"
    " WHERE s.id = {} AND s.tenant_id = {} AND s.user_id = {}"
)


def to_user(row: User) -> UserRecord:
    return UserRecord(
        id=row.id,
        tenant_id=row.tenant_id,
        email=row.email,
        phone=row.phone,
        role=row.role,
        status=row.status,
        is_anonymous=row.is_anonymous,
        email_verified_at=row.email_verified_at,
        phone_verified_at=row.phone_verified_at,
        last_sign_in_at=row.last_sign_in_at,
        user_metadata=dict(row.user_metadata or {}),
        ban_reason=row.ban_reason,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


async def user_by_email(tenant_id: str, email: str) -> User | None:
    return await scoped(User, tenant_id).get_or_none(email=email)


async def user_by_id(tenant_id: str, user_id: str) -> User | None:
    return await scoped(User, tenant_id).get_or_none(id=user_id)


async def credential(tenant_id: str, user_id: str, session_id: str) -> UserCredential | None:
    """The user, session and tenant behind an access token: one query per token request."""
    sql = db.Sql(db.dialect())
    query = CREDENTIAL_SQL.format(sql.param(session_id), sql.param(tenant_id), sql.param(user_id))
    rows = await db.fetch(query, sql.params)
    if not rows:
        return None
    row = rows[0]
    return UserCredential(
        user_id=row["id"],
        tenant_id=row["tenant_id"],
        role=row["role"],
        user_status=row["user_status"],
        session_revoked=row["revoked_at"] is not None,
        tenant_status=row["tenant_status"],
        schema_version=int(row["schema_version"]),
        roles_version=int(row["roles_version"] or 0),
        governance=Governance.of(row["governance"]),
        session_started=db.as_datetime(row["session_started"]),
    )


async def create_session(
    tenant_id: str, session_id: str, user_id: str, user_agent: str | None, ip: str | None, now: datetime, aal: str | None = None
) -> None:
    await AuthSession.create(id=session_id, tenant_id=tenant_id, user_id=user_id, user_agent=user_agent, ip=ip, last_used_at=now, aal=aal)


async def set_aal2(tenant_id: str, session_id: str) -> None:
    await scoped(AuthSession, tenant_id).filter(id=session_id).update(aal="aal2")


async def verified_factors(tenant_id: str, user_id: str) -> list[dict[str, Any]]:
    rows = await scoped(MfaFactor, tenant_id).filter(user_id=user_id, verified_at__isnull=False).order_by("created_at", "id")
    return [
        {"id": f.id, "type": f.factor_type, "friendly_name": f.friendly_name, "created_at": f.created_at.isoformat(),
         "verified_at": f.verified_at.isoformat() if f.verified_at else None}
        for f in rows
    ]


async def create_mfa_ticket(user: User, ticket_hash: str, user_agent: str | None, ip: str | None, expires_at: datetime) -> None:
    await MfaTicket.create(
        id=new_id("mtk"), tenant_id=user.tenant_id, user_id=user.id, ticket_hash=ticket_hash, user_agent=user_agent, ip=ip, expires_at=expires_at
    )


async def active_sessions(tenant_id: str, user_id: str, current: str | None) -> list[SessionRecord]:
    rows = await scoped(AuthSession, tenant_id).filter(user_id=user_id, revoked_at__isnull=True).order_by("-created_at", "-id")
    return [
        SessionRecord(id=r.id, user_id=r.user_id, user_agent=r.user_agent, ip=r.ip, created_at=r.created_at, last_used_at=r.last_used_at, current=r.id == current)
        for r in rows
    ]


async def revoke_sessions(tenant_id: str, user_id: str, now: datetime, session_id: str | None = None) -> int:
    """Revoke one of the user's sessions, or all of them; returns how many were live."""
    query = scoped(AuthSession, tenant_id).filter(user_id=user_id, revoked_at__isnull=True)
    if session_id is not None:
        query = query.filter(id=session_id)
    return await query.update(revoked_at=now, updated_at=now)


async def session_by_id(tenant_id: str, session_id: str) -> AuthSession | None:
    return await scoped(AuthSession, tenant_id).get_or_none(id=session_id)


async def touch_session(tenant_id: str, session_id: str, now: datetime) -> None:
    await scoped(AuthSession, tenant_id).filter(id=session_id).update(last_used_at=now)


async def create_refresh(row: dict[str, Any]) -> None:
    await RefreshToken.create(**row)


async def refresh_by_hash(token_hash: str) -> RefreshToken | None:
    return await RefreshToken.get_or_none(token_hash=token_hash)


async def mark_used(token: RefreshToken, now: datetime) -> bool:
    """Rotate: only the first caller wins (a conditional UPDATE)."""
    return await RefreshToken.filter(id=token.id, tenant_id=token.tenant_id, used_at__isnull=True).update(used_at=now) == 1


async def inactive_sessions(session_ids: list[str]) -> set[str]:
    """Which of these sessions may no longer be used: revoked, missing, their user banned or gone,
    or their tenant not active. Across tenants by session id (open streams of many tenants are
    checked in one query); it returns ids only, never a row."""
    sql = db.Sql(db.dialect())
    marks = ", ".join(sql.param(s) for s in session_ids)
    rows = await db.fetch(
        "SELECT s.id FROM auth_sessions s JOIN users u ON u.id = s.user_id AND u.tenant_id = s.tenant_id"
        f" JOIN tenants t ON t.id = s.tenant_id WHERE s.id IN ({marks})"
        " AND s.revoked_at IS NULL AND u.status = 'active' AND t.status = 'active'",
        sql.params,
    )
    return set(session_ids) - {r["id"] for r in rows}


async def all_sessions(tenant_id: str, user_id: str) -> list[AuthSession]:
    return await scoped(AuthSession, tenant_id).filter(user_id=user_id).order_by("-created_at", "-id")


async def objects_created_by(tenant_id: str, user_id: str, limit: int) -> list[str]:
    """Ids of the live objects the user created, oldest first."""
    rows = await scoped(DataObject, tenant_id).filter(created_by=user_id, deleted_at__isnull=True).order_by("created_at", "id").limit(limit).values_list("id", flat=True)
    return [str(r) for r in rows]


async def create_email_link(tenant_id: str, user_id: str | None, purpose: str, email: str, token_hash: str, expires_at: datetime) -> None:
    now = datetime.now(timezone.utc)
    await EmailLink.create(
        id=new_id("eml"), tenant_id=tenant_id, user_id=user_id, purpose=purpose, email=email,
        token_hash=token_hash, expires_at=expires_at, created_at=now,
    )


async def email_link_by_hash(token_hash: str) -> EmailLink | None:
    """Across tenants by the hash of the secret, like an API key: the portal learns the tenant from
    the token (the caller checks it against its own tenant when it has one)."""
    return await EmailLink.get_or_none(token_hash=token_hash)


async def spend_email_link(link: EmailLink, now: datetime) -> bool:
    """Single use: only the first caller wins (a conditional UPDATE)."""
    return await EmailLink.filter(id=link.id, tenant_id=link.tenant_id, used_at__isnull=True).update(used_at=now) == 1


async def spend_email_links(tenant_id: str, user_id: str, now: datetime, *, purpose: str | None = None) -> None:
    """Use up a user's live links (of one purpose): a reset or a new address makes them stale."""
    query = EmailLink.filter(tenant_id=tenant_id, user_id=user_id, used_at__isnull=True)
    await (query.filter(purpose=purpose) if purpose else query).update(used_at=now)


async def prune_email_links(before: datetime) -> int:
    """Forget links that expired before `before` (used or not: they can no longer do anything)."""
    return await EmailLink.filter(expires_at__lt=before).delete()
