"""End-user auth: signup, login, rotating refresh tokens, logout, the current user, sessions,
and turning an access token into a principal.

Signup, login and refresh are called with the tenant's API key (as a client app's public key)
or a user token of the tenant: the bearer says which tenant the end user belongs to.
"""

from __future__ import annotations

import secrets
import unicodedata
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import jwt
from tortoise.exceptions import IntegrityError

from models import jsoncodec
from models.auth import User
from resolvers import db
from resolvers.audit import service as audit
from resolvers.authz import require_principal
from resolvers.auth import config as auth_config
from resolvers.auth import emails, keys, passwords, repository
from resolvers.governance import service as governance
from resolvers.auth.keys import KeyRing
from resolvers.auth.schemas import (
    AUDIENCE,
    ISSUER,
    LOGIN_PER_ACCOUNT_PER_MINUTE,
    MAX_METADATA_BYTES,
    PASSWORD_MAX_LENGTH,
    PASSWORD_MIN_LENGTH,
    REFRESH_PREFIX,
    REFRESH_REUSE_GRACE_SECONDS,
    USER_SCOPES,
    MFA_TICKET_MINUTES,
    AccessClaims,
    MfaRequired,
    SessionRecord,
    TokenPair,
    UserRecord,
)
from resolvers.errors import AlreadyExists, Forbidden, IpNotAllowed, NotFound, PayloadTooLarge, TenantSuspended, Unauthorized, ValidationError
from resolvers.ids import new_id, sha256_hex
from resolvers.objects.service import objects_by_ids
from resolvers.principal import Principal
from resolvers.properties.datatypes import InvalidValue, normalize
from resolvers.rate_limit.service import Limit
from resolvers.runtime import Runtime

INVALID_LOGIN = "Invalid email or password"
EMAIL_CHANGES_PER_HOUR = 5


@dataclass(frozen=True)
class ClientInfo:
    ip: str | None = None
    user_agent: str | None = None


class UserBanned(Forbidden):
    code = "USER_BANNED"
    default_message = "This account is banned"


# --- signup, login, refresh, logout ----------------------------------------------------------


async def sign_up(
    principal: Principal | None, *, email: Any, password: Any, phone: Any = None, user_metadata: Any = None, runtime: Runtime, client: ClientInfo
) -> TokenPair:
    caller = require_principal(principal)
    policy = await auth_config.policy(caller.tenant_id)
    policy.require("email")
    address = normalize_email(email)
    secret = checked_password(password, policy.password_min_length)
    metadata = checked_metadata(user_metadata)
    number = checked_phone(phone)
    if await repository.user_by_email(caller.tenant_id, address) is not None:
        raise AlreadyExists("An account with this email already exists")
    now = _now()
    user = User(
        id=new_id("usr"),
        tenant_id=caller.tenant_id,
        email=address,
        phone=number,
        password_hash=await passwords.hash_password(secret),
        user_metadata=metadata,
        last_sign_in_at=now,
    )
    try:
        await user.save(force_create=True)
    except IntegrityError as exc:  # a concurrent signup with the same email won the unique index
        if db.is_unique_violation(exc):
            raise AlreadyExists("An account with this email already exists") from None
        raise
    await emails.queue(runtime, emails.SIGNUP, tenant_id=user.tenant_id, to=address, user_id=user.id)
    return await _start_session(user, runtime, client, now, policy)


async def log_in(principal: Principal | None, *, email: Any, password: Any, runtime: Runtime, client: ClientInfo) -> TokenPair | MfaRequired:
    """Unknown email and wrong password cost the same (one argon2 verification) and answer the same.
    A user with a verified second factor gets an MFA ticket instead of tokens (see mfa.py)."""
    caller = require_principal(principal)
    policy = await auth_config.policy(caller.tenant_id)
    policy.require("email")
    if not isinstance(email, str) or not isinstance(password, str) or len(password) > PASSWORD_MAX_LENGTH:
        raise Unauthorized(INVALID_LOGIN)
    address = _normalized_text(email)
    await runtime.rate_limiter.hit(f"login-ip:{caller.tenant_id}:{client.ip}", Limit(runtime.login_rate_limit), message="Too many login attempts; retry later")
    await runtime.rate_limiter.hit(f"login-account:{caller.tenant_id}:{sha256_hex(address)}", Limit(LOGIN_PER_ACCOUNT_PER_MINUTE), message="Too many login attempts; retry later")
    user = await repository.user_by_email(caller.tenant_id, address)
    if not await passwords.verify_password(user.password_hash if user else None, password) or user is None:
        await _audit_login(caller, "auth.login_failed", user, address, "wrong email or password")
        raise Unauthorized(INVALID_LOGIN)
    if user.status == "banned":
        await _audit_login(caller, "auth.login_failed", user, address, "banned")
        raise UserBanned()
    factors = await repository.verified_factors(user.tenant_id, user.id)
    await audit.record(caller, "auth.login", "user", user.id, actor=user.id, after={"mfa_required": bool(factors)})
    if factors:
        return await mfa_ticket(user, factors, client)
    return await open_session(user, runtime, client, policy=policy)


async def _audit_login(caller: Principal, action: str, user: User | None, address: str, reason: str) -> None:
    """A refused login is recorded although the request fails (its transaction rolls back)."""
    user_id = user.id if user else None
    await db.even_if_rolled_back(lambda: audit.record(caller, action, "user", user_id, actor=user_id, after={"email": address, "reason": reason}))


async def mfa_ticket(user: User, factors: list[dict[str, Any]], client: ClientInfo) -> MfaRequired:
    """The first factor was shown (a password, a texted code): the session waits for the second."""
    ticket = "mfat_" + secrets.token_urlsafe(32)
    expires = _now() + timedelta(minutes=MFA_TICKET_MINUTES)
    await repository.create_mfa_ticket(user, sha256_hex(ticket), (client.user_agent or "")[:500] or None, client.ip, expires)
    return MfaRequired(mfa_ticket=ticket, factors=factors)


async def open_session(
    user: User, runtime: Runtime, client: ClientInfo, *, aal: str | None = None, policy: auth_config.Policy | None = None
) -> TokenPair:
    """A new session for a user who has proven who they are (a second factor gives aal2)."""
    now = _now()
    user.last_sign_in_at = now
    await user.save(update_fields=["last_sign_in_at", "updated_at"])
    return await _start_session(user, runtime, client, now, policy or await auth_config.policy(user.tenant_id), aal=aal)


async def refresh(principal: Principal | None, *, refresh_token: Any, runtime: Runtime) -> TokenPair:
    """Rotate: the token is used up and a new one issued. Presenting a used token again after the
    grace window is a replay: the whole session (its token family) is revoked."""
    caller = require_principal(principal)
    token = await _refresh_token(caller, refresh_token)
    now = _now()
    session = await repository.session_by_id(token.tenant_id, token.session_id)
    if session is None or session.revoked_at is not None:
        raise Unauthorized("This session has ended; log in again")
    if (await governance.current(token.tenant_id)).session_over(session.created_at, now):
        raise Unauthorized("This session is older than the tenant allows; log in again")
    if token.expires_at <= now:
        raise Unauthorized("This refresh token has expired; log in again")
    if token.used_at is not None or not await repository.mark_used(token, now):
        used_at = token.used_at or now
        if (now - used_at).total_seconds() > REFRESH_REUSE_GRACE_SECONDS:
            # The request fails (and its transaction rolls back), but the revocation must stay.
            await db.even_if_rolled_back(lambda: repository.revoke_sessions(token.tenant_id, session.user_id, now, session_id=session.id))
            raise Unauthorized("This refresh token was already used; the session has been revoked")
        raise Unauthorized("This refresh token was just used; use the newest one")
    user = await repository.user_by_id(token.tenant_id, session.user_id)
    if user is None:
        raise Unauthorized("This account no longer exists")
    if user.status == "banned":
        raise UserBanned()
    await repository.touch_session(token.tenant_id, session.id, now)
    return await _issue(user, session.id, runtime.keyring, now, await auth_config.policy(user.tenant_id), parent_id=token.id)


async def log_out(principal: Principal | None, *, refresh_token: Any) -> str:
    """End the session the refresh token belongs to (or the caller's own session)."""
    caller = require_principal(principal)
    now = _now()
    if refresh_token is not None:
        token = await _refresh_token(caller, refresh_token)
        session = await repository.session_by_id(token.tenant_id, token.session_id)
        if session is None or (caller.kind == "user" and session.user_id != caller.user_id):
            raise Unauthorized("Invalid refresh token")
        await repository.revoke_sessions(token.tenant_id, session.user_id, now, session_id=session.id)
        return "Logged out"
    user = _user_of(caller)
    await repository.revoke_sessions(caller.tenant_id, user, now, session_id=caller.session_id)
    return "Logged out"


# --- the current user and their sessions -----------------------------------------------------


async def current_user(principal: Principal | None) -> UserRecord:
    caller = require_principal(principal)
    found = await repository.user_by_id(caller.tenant_id, _user_of(caller))
    if found is None:
        raise NotFound("User not found")
    return repository.to_user(found)


async def update_current_user(principal: Principal | None, patch: dict[str, Any], *, runtime: Runtime) -> UserRecord:
    """Email, phone, password and metadata (merged into the existing metadata; null removes a key).
    A new email takes effect when a link mailed to it is used; a new password ends every other
    session. An anonymous user sending email and password becomes an account with the same id."""
    caller = require_principal(principal)
    user = await repository.user_by_id(caller.tenant_id, _user_of(caller))
    if user is None:
        raise NotFound("User not found")
    if "email" in patch and patch["email"] is not None and normalize_email(patch["email"]) != user.email:
        if user.is_anonymous:
            await _link_anonymous(user, patch)
            await emails.queue(runtime, emails.SIGNUP, tenant_id=user.tenant_id, to=user.email or "", user_id=user.id)
        else:
            await _request_email_change(user, normalize_email(patch["email"]), runtime)
    if "phone" in patch:
        phone = checked_phone(patch["phone"])
        if phone != user.phone:
            user.phone, user.phone_verified_at = phone, None  # proven again by a texted code
    if "user_metadata" in patch and patch["user_metadata"] is not None:
        merged = {**(user.user_metadata or {}), **checked_metadata(patch["user_metadata"])}
        user.user_metadata = checked_metadata({k: v for k, v in merged.items() if v is not None})
    if "password" in patch and patch["password"] is not None:
        policy = await auth_config.policy(caller.tenant_id)
        user.password_hash = await passwords.hash_password(checked_password(patch["password"], policy.password_min_length))
        await _end_other_sessions(caller, user.id)
    await user.save()
    return repository.to_user(user)


async def _request_email_change(user: User, address: str, runtime: Runtime) -> None:
    """Mail a confirmation link to the new address and a notice to the current one."""
    if await repository.user_by_email(user.tenant_id, address) is not None:
        raise AlreadyExists("An account with this email already exists")
    await runtime.rate_limiter.hit(
        f"email-change:{user.tenant_id}:{user.id}", Limit(EMAIL_CHANGES_PER_HOUR, 3600), message="Too many email changes; retry later"
    )
    await emails.queue(runtime, emails.EMAIL_CHANGE, tenant_id=user.tenant_id, to=address, user_id=user.id)
    if user.email:
        await emails.queue_change_notice(runtime, tenant_id=user.tenant_id, to=user.email, new_email=address)


async def _link_anonymous(user: User, patch: dict[str, Any]) -> None:
    """An anonymous user becomes a real account, keeping its id and so everything it made."""
    email = normalize_email(patch["email"])
    if patch.get("password") is None:
        raise ValidationError.single("password", "is required to turn an anonymous session into an account")
    if await repository.user_by_email(user.tenant_id, email) is not None:
        raise AlreadyExists("An account with this email already exists")
    user.email = email
    user.is_anonymous = False


async def sign_in_anonymously(principal: Principal | None, *, runtime: Runtime, client: ClientInfo) -> TokenPair:
    """A user without email or password; PATCH /v1/auth/user with email and password links it."""
    caller = require_principal(principal)
    policy = await auth_config.policy(caller.tenant_id)
    policy.require("anonymous")
    await runtime.rate_limiter.hit(f"anonymous-ip:{caller.tenant_id}:{client.ip}", Limit(runtime.login_rate_limit), message="Too many anonymous sign-ins; retry later")
    now = _now()
    user = User(id=new_id("usr"), tenant_id=caller.tenant_id, is_anonymous=True, last_sign_in_at=now, user_metadata={})
    await user.save(force_create=True)
    return await _start_session(user, runtime, client, now, policy)


EXPORT_MAX_OBJECTS = 10_000


async def export_my_data(principal: Principal | None, *, runtime: Runtime) -> dict[str, Any]:
    """Everything the tenant holds about the signed-in user (GDPR-style), once an hour."""
    caller = require_principal(principal)
    user_id = _user_of(caller)
    await runtime.rate_limiter.hit(f"user-export:{caller.tenant_id}:{user_id}", Limit(1, window_seconds=3600), message="Your data can be exported once an hour")
    user = await repository.user_by_id(caller.tenant_id, user_id)
    if user is None:
        raise NotFound("User not found")
    object_ids = await repository.objects_created_by(caller.tenant_id, user_id, EXPORT_MAX_OBJECTS + 1)
    objects = [o for o in await objects_by_ids(caller.tenant_id, object_ids[:EXPORT_MAX_OBJECTS]) if o is not None]
    return {
        "_meta": {"user_id": user_id, "tenant_id": caller.tenant_id, "export_type": "user_data_export", "exported_at": _now().isoformat()},
        "user": _exported_user(repository.to_user(user)),
        "sessions": [
            {"id": s.id, "ip": s.ip, "user_agent": s.user_agent, "created_at": s.created_at.isoformat(), "revoked_at": _iso(s.revoked_at)}
            for s in await repository.all_sessions(caller.tenant_id, user_id)
        ],
        "objects": [
            {"id": o.id, "object_type_id": o.object_type_id, "properties": o.properties, "version": o.version,
             "created_at": o.created_at.isoformat(), "updated_at": o.updated_at.isoformat()}
            for o in objects
        ],
        "objects_truncated": len(object_ids) > EXPORT_MAX_OBJECTS,
    }


def _exported_user(user: UserRecord) -> dict[str, Any]:
    return {
        "id": user.id, "email": user.email, "phone": user.phone, "role": user.role, "is_anonymous": user.is_anonymous,
        "email_verified_at": _iso(user.email_verified_at), "last_sign_in_at": _iso(user.last_sign_in_at),
        "user_metadata": user.user_metadata, "created_at": _iso(user.created_at), "updated_at": _iso(user.updated_at),
    }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


async def list_sessions(principal: Principal | None) -> list[SessionRecord]:
    caller = require_principal(principal)
    return await repository.active_sessions(caller.tenant_id, _user_of(caller), caller.session_id)


async def revoke_session(principal: Principal | None, session_id: str) -> bool:
    caller = require_principal(principal)
    if not await repository.revoke_sessions(caller.tenant_id, _user_of(caller), _now(), session_id=session_id):
        raise NotFound(f"Session {session_id} not found")
    return True


async def revoke_all_sessions(principal: Principal | None) -> int:
    caller = require_principal(principal)
    return await repository.revoke_sessions(caller.tenant_id, _user_of(caller), _now())


# --- access tokens ---------------------------------------------------------------------------


def looks_like_access_token(token: str) -> bool:
    return token.count(".") == 2


async def authenticate(token: str, *, runtime: Runtime, client_ip: str | None = None) -> Principal:
    """A verified access token whose session, user and tenant are still live, as a principal (within
    the tenant's governance: its IP allowlist and session duration)."""
    claims = await verify_access_token(token, runtime.keyring)
    live = await repository.credential(claims.tenant_id, claims.user_id, claims.session_id)
    if live is not None and live.user_status == "banned":
        raise UserBanned()  # said before the ended session: banning also ends every session
    if live is None or live.session_revoked:
        raise Unauthorized("This session has ended; log in again")
    if live.tenant_status == "suspended":
        raise TenantSuspended()
    if live.session_started is not None and live.governance.session_over(live.session_started, _now()):
        raise Unauthorized("This session is older than the tenant allows; log in again")
    if not live.governance.allows_ip(client_ip):
        raise IpNotAllowed()
    return Principal(
        tenant_id=live.tenant_id,
        kind="user",
        scopes=USER_SCOPES,
        user_id=live.user_id,
        role=live.role,
        session_id=claims.session_id,
        expires_at=claims.expires_at,
        schema_version=live.schema_version,
        roles_version=live.roles_version,
    )


VERIFIED_CACHE = 10_000
_verified: OrderedDict[str, AccessClaims] = OrderedDict()


async def verify_access_token(token: str, keyring: KeyRing) -> AccessClaims:
    """The token's claims once its signature and claims check out. A token seen before (by its
    exact text) skips the signature check until it expires: EdDSA verification is most of what a
    token costs per request. Liveness (session, user, tenant) is checked on every request anyway."""
    cached = _verified.get(token)
    if cached is not None:
        if cached.expires_at > _now():
            _verified.move_to_end(token)
            return cached
        del _verified[token]
    claims = await _verify_signature_and_claims(token, keyring)
    _verified[token] = claims
    if len(_verified) > VERIFIED_CACHE:
        _verified.popitem(last=False)
    return claims


async def _verify_signature_and_claims(token: str, keyring: KeyRing) -> AccessClaims:
    kid = keys.unverified_kid(token)  # None unless the header says EdDSA and names a kid
    public = await keyring.public_key(kid) if kid else None
    if public is None:
        raise Unauthorized("Invalid access token")
    try:
        claims = jwt.decode(
            token, public, algorithms=[keys.ALGORITHM], audience=AUDIENCE, issuer=ISSUER,
            options={"require": ["exp", "iat", "sub", "tid", "sid", "aud", "iss"]},
        )
    except jwt.ExpiredSignatureError:
        raise Unauthorized("The access token has expired; refresh it") from None
    except jwt.PyJWTError:
        raise Unauthorized("Invalid access token") from None
    if not all(isinstance(claims.get(k), str) for k in ("sub", "tid", "sid")):
        raise Unauthorized("Invalid access token")
    return AccessClaims(
        tenant_id=claims["tid"],
        user_id=claims["sub"],
        session_id=claims["sid"],
        role=str(claims.get("role", "authenticated")),
        expires_at=datetime.fromtimestamp(int(claims["exp"]), timezone.utc),
    )


async def jwks(runtime: Runtime) -> dict[str, Any]:
    return await runtime.keyring.jwks()


# --- shared steps ----------------------------------------------------------------------------


async def _start_session(
    user: User, runtime: Runtime, client: ClientInfo, now: datetime, policy: auth_config.Policy, *, aal: str | None = None
) -> TokenPair:
    session_id = new_id("sess")
    await repository.create_session(user.tenant_id, session_id, user.id, (client.user_agent or "")[:500] or None, client.ip, now, aal)
    return await _issue(user, session_id, runtime.keyring, now, policy, parent_id=None)


async def _issue(
    user: User, session_id: str, keyring: KeyRing, now: datetime, policy: auth_config.Policy, *, parent_id: str | None
) -> TokenPair:
    kid, private = await keyring.signing_key()
    claims = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": user.id,
        "tid": user.tenant_id,
        "sid": session_id,
        "role": user.role,
        "iat": int(now.timestamp()),
        "exp": int(now.timestamp()) + policy.access_token_ttl_seconds,
    }
    refresh_token = REFRESH_PREFIX + secrets.token_urlsafe(32)
    await repository.create_refresh(
        {
            "id": new_id("rtk"),
            "tenant_id": user.tenant_id,
            "session_id": session_id,
            "token_hash": sha256_hex(refresh_token),
            "parent_id": parent_id,
            "created_at": now,
            "expires_at": now + timedelta(days=policy.refresh_token_ttl_days),
        }
    )
    return TokenPair(
        access_token=keys.encode(claims, kid, private),
        refresh_token=refresh_token,
        expires_in=policy.access_token_ttl_seconds,
        user=repository.to_user(user),
        session_id=session_id,
    )


async def _refresh_token(caller: Principal, value: Any) -> Any:
    if not isinstance(value, str) or not value.startswith(REFRESH_PREFIX) or len(value) > 200:
        raise Unauthorized("Invalid refresh token")
    token = await repository.refresh_by_hash(sha256_hex(value))
    if token is None or token.tenant_id != caller.tenant_id:
        raise Unauthorized("Invalid refresh token")
    return token


async def _end_other_sessions(caller: Principal, user_id: str) -> None:
    now = _now()
    for session in await repository.active_sessions(caller.tenant_id, user_id, caller.session_id):
        if not session.current:
            await repository.revoke_sessions(caller.tenant_id, user_id, now, session_id=session.id)


def _user_of(caller: Principal) -> str:
    if caller.kind != "user" or caller.user_id is None:
        raise Forbidden("This needs a user's access token, not an API key")
    return caller.user_id


def normalize_email(value: Any) -> str:
    if not isinstance(value, str):
        raise ValidationError.single("email", "must be an email address")
    text = _normalized_text(value)
    try:
        checked = normalize("email", text)
    except InvalidValue as exc:
        raise ValidationError.single("email", str(exc)) from None
    return str(checked).lower()


def _normalized_text(value: str) -> str:
    return unicodedata.normalize("NFKC", value).strip().lower()


def checked_password(value: Any, min_length: int = PASSWORD_MIN_LENGTH) -> str:
    if not isinstance(value, str) or not min_length <= len(value) <= PASSWORD_MAX_LENGTH:
        raise ValidationError.single("password", f"must be {min_length} to {PASSWORD_MAX_LENGTH} characters")
    return value


def checked_phone(value: Any) -> str | None:
    if value is None or value == "":
        return None
    try:
        return str(normalize("phone", value))
    except InvalidValue as exc:
        raise ValidationError.single("phone", str(exc)) from None


def checked_metadata(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ValidationError.single("user_metadata", "must be a JSON object")
    if len(jsoncodec.dumps(value).encode()) > MAX_METADATA_BYTES:
        raise PayloadTooLarge(f"user_metadata may be at most {MAX_METADATA_BYTES // 1024} KB of JSON")
    return value


def _now() -> datetime:
    return datetime.now(timezone.utc)

