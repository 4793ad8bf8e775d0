"""User administration for the tenant's admins (scope `auth`): list, search, create, update (ban),
delete with secure deletion when the user created objects."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from tortoise.exceptions import IntegrityError

from models.auth import User
from resolvers import db
from resolvers.audit import service as audit
from resolvers.auth import config as auth_config
from resolvers.auth import passwords
from resolvers.auth import repository as auth_repository
from resolvers.auth.schemas import UserRecord
from resolvers.auth.service import (
    checked_metadata,
    checked_password,
    checked_phone,
    normalize_email,
)
from resolvers.authz import require_scope
from resolvers.errors import AlreadyExists, NotFound, ValidationError
from resolvers.ids import new_id
from resolvers.principal import Principal
from resolvers.roles import repository as roles
from resolvers.runtime import Runtime
from resolvers.secure_delete.schemas import Dependency
from resolvers.secure_delete.service import guard_delete
from resolvers.users import repository
from resolvers.users.schemas import (
    LIST_DEFAULT_LIMIT,
    LIST_MAX_LIMIT,
    MAX_BAN_REASON,
    MAX_SEARCH_LENGTH,
    ROLE,
)


async def list_users(
    principal: Principal | None, *, limit: int | None, offset: int | None, search: str | None, role: str | None
) -> tuple[list[UserRecord], int]:
    caller = require_scope(principal, "auth")
    limit = LIST_DEFAULT_LIMIT if limit is None else limit
    offset = 0 if offset is None else offset
    if not 1 <= limit <= LIST_MAX_LIMIT:
        raise ValidationError.single("limit", f"must be between 1 and {LIST_MAX_LIMIT}")
    if offset < 0:
        raise ValidationError.single("offset", "must be 0 or more")
    if search is not None and len(search) > MAX_SEARCH_LENGTH:
        raise ValidationError.single("search", f"must be at most {MAX_SEARCH_LENGTH} characters")
    rows, total = await repository.page(caller.tenant_id, search=(search or "").strip().lower() or None, role=role or None, limit=limit, offset=offset)
    return [auth_repository.to_user(r) for r in rows], total


async def get_user(principal: Principal | None, user_id: str) -> UserRecord:
    caller = require_scope(principal, "auth")
    return auth_repository.to_user(await _found(caller.tenant_id, user_id))


async def create_user(principal: Principal | None, data: dict[str, Any]) -> UserRecord:
    """An account made by an admin; without a password it cannot log in by password."""
    caller = require_scope(principal, "auth")
    email = normalize_email(data.get("email"))
    if await auth_repository.user_by_email(caller.tenant_id, email) is not None:
        raise AlreadyExists("An account with this email already exists")
    min_length = (await auth_config.policy(caller.tenant_id)).password_min_length
    password = None if data.get("password") is None else checked_password(data["password"], min_length)
    user = User(
        id=new_id("usr"),
        tenant_id=caller.tenant_id,
        email=email,
        phone=checked_phone(data.get("phone")),
        role=_checked_role(data.get("role") or "authenticated"),
        user_metadata=checked_metadata(data.get("user_metadata")),
        email_verified_at=_now() if data.get("email_verified") else None,
        password_hash=await passwords.hash_password(password) if password else None,
    )
    await _save(user, force_create=True)
    await audit.record(caller, "user.created", "user", user.id, after={"email": user.email, "role": user.role})
    return auth_repository.to_user(user)


async def update_user(principal: Principal | None, user_id: str, patch: dict[str, Any]) -> UserRecord:
    """Email, phone, role, metadata (replaced), email_verified, and banned with ban_reason.
    Banning ends the user's sessions; their tokens and streams stop at once."""
    caller = require_scope(principal, "auth")
    user = await _found(caller.tenant_id, user_id)
    before = _audited(user)
    if patch.get("email") is not None:
        email = normalize_email(patch["email"])
        if email != user.email and await auth_repository.user_by_email(caller.tenant_id, email) is not None:
            raise AlreadyExists("An account with this email already exists")
        user.email = email
    if "phone" in patch:
        phone = checked_phone(patch["phone"])
        if phone != user.phone:
            user.phone, user.phone_verified_at = phone, None
    if patch.get("role") is not None:
        user.role = _checked_role(patch["role"])
    if "user_metadata" in patch:
        user.user_metadata = checked_metadata(patch["user_metadata"])
    if patch.get("email_verified") is not None:
        user.email_verified_at = (user.email_verified_at or _now()) if patch["email_verified"] else None
    if patch.get("banned") is not None:
        user.status = "banned" if patch["banned"] else "active"
        user.ban_reason = _checked_reason(patch.get("ban_reason")) if patch["banned"] else None
        if patch["banned"]:
            await repository.end_sessions(caller.tenant_id, user.id, _now())
    elif patch.get("ban_reason") is not None:
        if user.status != "banned":
            raise ValidationError.single("ban_reason", "only a banned user has a ban reason; send banned: true with it")
        user.ban_reason = _checked_reason(patch["ban_reason"])
    await _save(user)
    await audit.record(caller, "user.banned" if user.status == "banned" and before["status"] != "banned" else "user.updated", "user", user.id,
                       before=before, after=_audited(user))
    return auth_repository.to_user(user)


async def delete_user(
    principal: Principal | None, user_id: str, *, runtime: Runtime, force: bool = False, confirm_token: str | None = None
) -> str:
    caller = require_scope(principal, "auth")
    user = await _found(caller.tenant_id, user_id)
    owned = await repository.owned_objects(caller.tenant_id, user.id)
    await guard_delete(
        secret_key=runtime.secret_key,
        tenant_id=caller.tenant_id,
        resource_type="user",
        resource_id=user.id,
        dependencies=[Dependency("objects", owned, "objects this user created (they stay, with the user's id as creator)")],
        force=force,
        confirm_token=confirm_token,
    )
    await repository.delete(caller.tenant_id, user.id)
    await roles.forget_user(caller.tenant_id, user.id)
    await audit.record(caller, "user.deleted", "user", user.id, before=_audited(user), after={"forced": force})
    return user.id


def _audited(user: User) -> dict[str, Any]:
    return {"email": user.email, "phone": user.phone, "role": user.role, "status": user.status, "ban_reason": user.ban_reason,
            "email_verified": user.email_verified_at is not None}


async def _save(user: User, *, force_create: bool = False) -> None:
    """A concurrent request that took the same email first wins the unique index: 409, not 500."""
    try:
        await user.save(force_create=force_create)
    except IntegrityError as exc:
        if db.is_unique_violation(exc):
            raise AlreadyExists("An account with this email already exists") from None
        raise


async def _found(tenant_id: str, user_id: str) -> User:
    found = await auth_repository.user_by_id(tenant_id, user_id)
    if found is None:
        raise NotFound(f"User {user_id} not found")
    return found


def _checked_role(value: Any) -> str:
    if not isinstance(value, str) or not ROLE.match(value):
        raise ValidationError.single("role", "must match ^[a-z][a-z0-9_-]{0,62}$")
    return value


def _checked_reason(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > MAX_BAN_REASON:
        raise ValidationError.single("ban_reason", f"must be text of at most {MAX_BAN_REASON} characters")
    return value


def _now() -> datetime:
    return datetime.now(timezone.utc)
