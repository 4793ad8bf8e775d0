"""User administration queries, tenant-scoped; search and paging run in SQL."""

from __future__ import annotations

from datetime import datetime

from tortoise.expressions import Q

from models.auth import AuthSession, RefreshToken, User
from models.objects import DataObject
from resolvers.scoping import scoped


def _matching(tenant_id: str, search: str | None, role: str | None):  # type: ignore[no-untyped-def]
    query = scoped(User, tenant_id)
    if search:
        query = query.filter(Q(email__icontains=search) | Q(phone__contains=search) | Q(id=search))
    if role:
        query = query.filter(role=role)
    return query


async def page(tenant_id: str, *, search: str | None, role: str | None, limit: int, offset: int) -> tuple[list[User], int]:
    query = _matching(tenant_id, search, role)
    rows = await query.order_by("-created_at", "-id").offset(offset).limit(limit)
    return rows, await _matching(tenant_id, search, role).count()


async def owned_objects(tenant_id: str, user_id: str) -> int:
    return await scoped(DataObject, tenant_id).filter(created_by=user_id).count()


async def end_sessions(tenant_id: str, user_id: str, now: datetime) -> None:
    await scoped(AuthSession, tenant_id).filter(user_id=user_id, revoked_at__isnull=True).update(revoked_at=now, updated_at=now)


async def delete(tenant_id: str, user_id: str) -> None:
    """The user with their sessions and refresh tokens (objects they created stay, with their id)."""
    session_ids = await scoped(AuthSession, tenant_id).filter(user_id=user_id).values_list("id", flat=True)
    if session_ids:
        await RefreshToken.filter(tenant_id=tenant_id, session_id__in=list(session_ids)).delete()
    await scoped(AuthSession, tenant_id).filter(user_id=user_id).delete()
    await scoped(User, tenant_id).filter(id=user_id).delete()
