"""Multi-factor authentication with TOTP: enrol, verify, a login ticket completed with a code or a
recovery code, factor lists, unenrol, and an admin/server-side check of a code.

Every code check goes through `_check_code`: five failed codes in a row lock the user's MFA for
15 minutes (even a correct code is refused meanwhile), counted atomically before the code is
looked at and outside the request's transaction (see `_attempt`), and a code works once (the
factor remembers its last used step, advanced by a conditional UPDATE so two requests with one
code cannot both pass).
"""

from __future__ import annotations

import secrets
from datetime import datetime, timezone
from typing import Any

from models.auth import MfaFactor, MfaRecoveryCode, MfaTicket, User
from resolvers import db
from resolvers.auth import repository, totp
from resolvers.auth import service as auth
from resolvers.auth.schemas import TokenPair
from resolvers.authz import has_scope, require_principal
from resolvers.errors import DomainError, Forbidden, NotFound, QuotaExceeded, RateLimited, Unauthorized, ValidationError
from resolvers.ids import new_id, sha256_hex
from resolvers.principal import Principal
from resolvers.runtime import Runtime
from resolvers.scoping import scoped

MAX_FAILURES = 5
LOCK_MINUTES = 15
RECOVERY_CODES = 10
MAX_FACTORS = 10
ISSUER = "Basalt"


class InvalidMfaCode(DomainError):
    code = "INVALID_MFA_CODE"
    status = 400
    default_message = "The code is not valid (codes work once, within 30 seconds)"


class MfaLocked(RateLimited):
    code = "MFA_LOCKED"
    default_message = "Too many wrong codes; MFA is locked for 15 minutes"


class AalRequired(Forbidden):
    code = "MFA_REQUIRED"
    default_message = "This needs a session that passed MFA"


# --- enrolment and factors -------------------------------------------------------------------


async def enroll(principal: Principal | None, *, friendly_name: Any, runtime: Runtime) -> dict[str, Any]:
    caller, user = await _self(principal)
    if friendly_name is not None and (not isinstance(friendly_name, str) or not 1 <= len(friendly_name) <= 100):
        raise ValidationError.single("friendly_name", "must be 1 to 100 characters")
    if await scoped(MfaFactor, caller.tenant_id).filter(user_id=user.id).count() >= MAX_FACTORS:
        raise QuotaExceeded(f"A user can have at most {MAX_FACTORS} MFA factors")
    secret = totp.new_secret()
    factor = await MfaFactor.create(
        id=new_id("mfa"), tenant_id=caller.tenant_id, user_id=user.id, friendly_name=friendly_name,
        secret=runtime.keyring.seal_mfa_secret(secret),
    )
    uri = totp.provisioning_uri(secret, user.email or user.id, ISSUER)
    return {"factor_id": factor.id, "type": "totp", "friendly_name": friendly_name, "totp": {"secret": secret, "uri": uri, "qr_uri": uri}}


async def verify(principal: Principal | None, *, factor_id: Any, code: Any, runtime: Runtime) -> dict[str, Any]:
    """Confirm a factor with a code from the app. The first verified factor returns the recovery
    codes (shown once) and lifts the current session to aal2."""
    caller, user = await _self(principal)
    factor = await _factor(caller.tenant_id, user.id, factor_id)
    await _check_code(caller.tenant_id, user.id, factor, code, runtime)
    codes: list[str] | None = None
    if factor.verified_at is None:
        factor.verified_at = _now()
        await factor.save(update_fields=["verified_at", "updated_at"])
        if not await MfaRecoveryCode.filter(tenant_id=caller.tenant_id, user_id=user.id, used_at__isnull=True).exists():
            codes = await _new_recovery_codes(caller.tenant_id, user.id)
    if caller.session_id:
        await repository.set_aal2(caller.tenant_id, caller.session_id)
    return {"verified": True, "factor_id": factor.id, "recovery_codes": codes}


async def factors(principal: Principal | None) -> list[dict[str, Any]]:
    caller, user = await _self(principal)
    return await _listed(caller.tenant_id, user.id)


async def user_factors(principal: Principal | None, user_id: str) -> list[dict[str, Any]]:
    """For admins (scope `auth`)."""
    caller = require_principal(principal)
    if not has_scope(caller, "auth") or caller.kind != "api_key":
        raise Forbidden("Listing another user's MFA factors needs an API key with the auth scope")
    if await repository.user_by_id(caller.tenant_id, user_id) is None:
        raise NotFound(f"User {user_id} not found")
    return await _listed(caller.tenant_id, user_id)


async def unenroll(principal: Principal | None, factor_id: str) -> bool:
    """Removing a verified factor needs a session that passed MFA (aal2): a stolen password
    session cannot turn MFA off."""
    caller, user = await _self(principal)
    factor = await _factor(caller.tenant_id, user.id, factor_id)
    if factor.verified_at is not None:
        session = await repository.session_by_id(caller.tenant_id, caller.session_id or "")
        if session is None or session.aal != "aal2":
            raise AalRequired("Removing a verified factor needs a session that passed MFA; log in with a code first")
    await scoped(MfaFactor, caller.tenant_id).filter(id=factor.id).delete()
    if not await scoped(MfaFactor, caller.tenant_id).filter(user_id=user.id, verified_at__isnull=False).exists():
        await MfaRecoveryCode.filter(tenant_id=caller.tenant_id, user_id=user.id).delete()
    return True


# --- login with a second factor ----------------------------------------------------------------


async def complete(*, mfa_ticket: Any, factor_id: Any, code: Any, runtime: Runtime) -> TokenPair:
    ticket, user = await _ticket(mfa_ticket)
    factor = await _factor(ticket.tenant_id, user.id, factor_id)
    if factor.verified_at is None:
        raise ValidationError.single("factor_id", "is not a verified factor")
    await _check_code(ticket.tenant_id, user.id, factor, code, runtime)
    return await _spend(ticket, user, runtime)


async def recover(*, mfa_ticket: Any, recovery_code: Any, runtime: Runtime) -> TokenPair:
    """Log in with a recovery code instead of a TOTP code; each works once."""
    ticket, user = await _ticket(mfa_ticket)
    attempt = await _attempt(ticket.tenant_id, user.id, runtime)
    normalized = recovery_code.strip().lower().replace("-", "") if isinstance(recovery_code, str) else ""
    changed = await MfaRecoveryCode.filter(
        tenant_id=ticket.tenant_id, user_id=user.id, code_hash=sha256_hex(normalized), used_at__isnull=True
    ).update(used_at=_now())
    if changed != 1:
        await _failed(ticket.tenant_id, user.id, attempt, runtime)
        raise InvalidMfaCode("The recovery code is not valid or was already used")
    await runtime.rate_limiter.reset(_failures_key(ticket.tenant_id, user.id))
    return await _spend(ticket, user, runtime)


async def check(principal: Principal | None, *, factor_id: Any, code: Any, user_id: Any, runtime: Runtime) -> dict[str, Any]:
    """A server-side check of a user's code: by the user themself, or by an API key with `auth`."""
    caller = require_principal(principal)
    if caller.kind == "user":
        target = caller.user_id
        if user_id not in (None, target):
            raise Forbidden("A user can only check their own codes")
    else:
        if not has_scope(caller, "auth"):
            raise Forbidden("Checking a user's code needs the auth scope")
        if not isinstance(user_id, str):
            raise ValidationError.single("user_id", "is required with an API key")
        target = user_id
    assert target is not None
    if await repository.user_by_id(caller.tenant_id, target) is None:
        raise NotFound(f"User {target} not found")
    factor = await _factor(caller.tenant_id, target, factor_id)
    await _check_code(caller.tenant_id, target, factor, code, runtime)
    return {"user_id": target, "verified": True}


# --- shared steps ------------------------------------------------------------------------------


async def _check_code(tenant_id: str, user_id: str, factor: MfaFactor, code: Any, runtime: Runtime) -> None:
    attempt = await _attempt(tenant_id, user_id, runtime)
    secret = runtime.keyring.open_mfa_secret(factor.secret)
    step = totp.matching_step(secret, code if isinstance(code, str) else "", after_step=factor.last_used_step)
    if step is None or not await _advance(tenant_id, factor.id, step):
        await _failed(tenant_id, user_id, attempt, runtime)
        raise InvalidMfaCode()
    factor.last_used_step = step
    await runtime.rate_limiter.reset(_failures_key(tenant_id, user_id))


async def _advance(tenant_id: str, factor_id: str, step: int) -> bool:
    """Use `step` once: only the first request with a code of that step gets through."""
    sql = db.Sql(db.dialect())
    query = (
        f"UPDATE mfa_factors SET last_used_step = {sql.param(step)} WHERE id = {sql.param(factor_id)}"
        f" AND tenant_id = {sql.param(tenant_id)} AND (last_used_step IS NULL OR last_used_step < {sql.param(step)})"
    )
    return await db.execute(query, sql.params) == 1


# The lockout lives in the rate limiter's counters (Redis with several processes): counting is
# atomic and outside the request's transaction, so a failing request cannot roll its failure
# back, and a burst of concurrent guesses gets distinct counts: only five are ever checked.


def _failures_key(tenant_id: str, user_id: str) -> str:
    return f"mfa-failures:{tenant_id}:{user_id}"


def _lock_key(tenant_id: str, user_id: str) -> str:
    return f"mfa-lock:{tenant_id}:{user_id}"


async def _attempt(tenant_id: str, user_id: str, runtime: Runtime) -> int:
    """Count this attempt before its code is looked at; refuse while locked or past the limit."""
    limiter = runtime.rate_limiter
    locked, seconds_left = await limiter.peek(_lock_key(tenant_id, user_id))
    if locked:
        raise MfaLocked(seconds_left)
    attempt, _ = await limiter.count(_failures_key(tenant_id, user_id), LOCK_MINUTES * 60)
    if attempt > MAX_FAILURES:
        await _lock(tenant_id, user_id, runtime)
        raise MfaLocked(LOCK_MINUTES * 60)
    return attempt


async def _failed(tenant_id: str, user_id: str, attempt: int, runtime: Runtime) -> None:
    if attempt >= MAX_FAILURES:
        await _lock(tenant_id, user_id, runtime)


async def _lock(tenant_id: str, user_id: str, runtime: Runtime) -> None:
    """Lock for LOCK_MINUTES from now. The failure count is left to run out on its own (its window
    opened at the first failure, so before the lock ends): resetting it here would let a
    concurrent guess that looked before the lock was set count from zero and be checked."""
    limiter = runtime.rate_limiter
    if not (await limiter.peek(_lock_key(tenant_id, user_id)))[0]:
        await limiter.count(_lock_key(tenant_id, user_id), LOCK_MINUTES * 60)


async def _ticket(value: Any) -> tuple[MfaTicket, User]:
    if not isinstance(value, str) or not value.startswith("mfat_") or len(value) > 100:
        raise Unauthorized("Invalid or expired MFA ticket; log in again")
    ticket = await MfaTicket.get_or_none(ticket_hash=sha256_hex(value))
    if ticket is None or ticket.used_at is not None or ticket.expires_at <= _now():
        raise Unauthorized("Invalid or expired MFA ticket; log in again")
    user = await repository.user_by_id(ticket.tenant_id, ticket.user_id)
    if user is None:
        raise Unauthorized("Invalid or expired MFA ticket; log in again")
    if user.status == "banned":
        raise auth.UserBanned()
    return ticket, user


async def _spend(ticket: MfaTicket, user: User, runtime: Runtime) -> TokenPair:
    if await MfaTicket.filter(id=ticket.id, used_at__isnull=True).update(used_at=_now()) != 1:
        raise Unauthorized("Invalid or expired MFA ticket; log in again")
    client = auth.ClientInfo(ip=ticket.ip, user_agent=ticket.user_agent)
    return await auth.open_session(user, runtime, client, aal="aal2")


async def _new_recovery_codes(tenant_id: str, user_id: str) -> list[str]:
    codes = [secrets.token_hex(5) for _ in range(RECOVERY_CODES)]  # 10 hex digits, shown as xxxxx-xxxxx
    now = _now()
    for code in codes:
        await MfaRecoveryCode.create(id=new_id("mrc"), tenant_id=tenant_id, user_id=user_id, code_hash=sha256_hex(code), created_at=now)
    return [f"{c[:5]}-{c[5:]}" for c in codes]


async def _self(principal: Principal | None) -> tuple[Principal, User]:
    caller = require_principal(principal)
    if caller.kind != "user" or caller.user_id is None:
        raise Forbidden("This needs a user's access token, not an API key")
    user = await repository.user_by_id(caller.tenant_id, caller.user_id)
    if user is None:
        raise NotFound("User not found")
    return caller, user


async def _factor(tenant_id: str, user_id: str, factor_id: Any) -> MfaFactor:
    found = await scoped(MfaFactor, tenant_id).get_or_none(id=factor_id, user_id=user_id) if isinstance(factor_id, str) else None
    if found is None:
        raise NotFound(f"MFA factor {factor_id} not found")
    return found


async def _listed(tenant_id: str, user_id: str) -> list[dict[str, Any]]:
    rows = await scoped(MfaFactor, tenant_id).filter(user_id=user_id).order_by("created_at", "id")
    return [
        {"id": f.id, "type": f.factor_type, "friendly_name": f.friendly_name, "created_at": f.created_at.isoformat(),
         "verified_at": f.verified_at.isoformat() if f.verified_at else None}
        for f in rows
    ]


def _now() -> datetime:
    return datetime.now(timezone.utc)
