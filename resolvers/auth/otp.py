"""Sign-in with a code sent by text message (E.164 numbers).

`send` stores a 6-digit code (hashed, 10 minutes, single use) and texts it; it answers the same
whether or not an account has the number. `verify` spends the code (five wrong tries spend it
too), then signs in the user with that phone, creating a phone-only account on first use; a
user with a verified second factor gets an MFA ticket instead, as with a password.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import datetime, timedelta, timezone
from typing import Any

from models.auth import OtpCode, User
from resolvers import db
from resolvers.auth import config as auth_config
from resolvers.auth import repository
from resolvers.auth import service as auth
from resolvers.auth.schemas import MfaRequired, TokenPair
from resolvers.authz import require_principal
from resolvers.errors import DomainError, ValidationError
from resolvers.ids import new_id, sha256_hex
from resolvers.principal import Principal
from resolvers.rate_limit.service import Limit
from resolvers.runtime import Runtime

CODE_DIGITS = 6
CODE_MINUTES = 10
MAX_TRIES = 5
SENDS_PER_PHONE_PER_HOUR = 5


class InvalidOtp(DomainError):
    code = "INVALID_OTP"
    status = 400
    default_message = "The code is not valid or has expired; ask for a new one"


async def send(principal: Principal | None, *, phone: Any, runtime: Runtime, client: auth.ClientInfo) -> str:
    caller = require_principal(principal)
    number = _number(phone)
    policy = await auth_config.policy(caller.tenant_id)
    policy.require("phone")
    limiter = runtime.rate_limiter
    await limiter.hit(f"otp-ip:{caller.tenant_id}:{client.ip}", Limit(runtime.login_rate_limit), message="Too many codes requested; retry later")
    await limiter.hit(f"otp-phone:{caller.tenant_id}:{number}", Limit(SENDS_PER_PHONE_PER_HOUR, 3600), message="Too many codes for this number; retry later")
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    now = _now()
    await OtpCode.filter(tenant_id=caller.tenant_id, phone=number, used_at__isnull=True).update(used_at=now)  # one live code per number
    await OtpCode.create(
        id=new_id("otp"), tenant_id=caller.tenant_id, phone=number, code_hash=_hash(caller.tenant_id, number, code),
        expires_at=now + timedelta(minutes=CODE_MINUTES), created_at=now,
    )
    await runtime.sms.send(number, f"Your sign-in code is {code}. It expires in {CODE_MINUTES} minutes.")
    return "If the number can receive texts, a code is on its way"


async def verify(principal: Principal | None, *, phone: Any, code: Any, runtime: Runtime, client: auth.ClientInfo) -> TokenPair | MfaRequired:
    caller = require_principal(principal)
    number = _number(phone)
    (await auth_config.policy(caller.tenant_id)).require("phone")
    live = await OtpCode.filter(tenant_id=caller.tenant_id, phone=number, used_at__isnull=True, expires_at__gt=_now()).order_by("-created_at").first()
    if live is None or not isinstance(code, str) or not await _spend(live, caller.tenant_id, number, code, runtime):
        raise InvalidOtp()
    user = await _user_for(caller.tenant_id, number)
    if user.status == "banned":
        raise auth.UserBanned()
    factors = await repository.verified_factors(user.tenant_id, user.id)
    if factors:
        return await auth.mfa_ticket(user, factors, client)
    return await auth.open_session(user, runtime, client)


async def _spend(live: OtpCode, tenant_id: str, number: str, code: str, runtime: Runtime) -> bool:
    """True once for the right code. Tries are counted atomically before the code is compared, in
    the rate limiter's counters (outside the request's transaction, which a wrong try rolls back):
    past MAX_TRIES the code is spent, so a burst of concurrent guesses gets five comparisons."""
    tries, _ = await runtime.rate_limiter.count(f"otp-tries:{live.id}", CODE_MINUTES * 60)
    if tries > MAX_TRIES:
        await db.even_if_rolled_back(lambda: OtpCode.filter(id=live.id, used_at__isnull=True).update(used_at=_now()))
        return False
    if not hmac.compare_digest(live.code_hash, _hash(tenant_id, number, code)):
        return False
    return await OtpCode.filter(id=live.id, used_at__isnull=True).update(used_at=_now()) == 1


async def _user_for(tenant_id: str, number: str) -> User:
    """The account whose number was proven by a texted code before, or a new phone-only one. A
    number merely typed into an account (unverified) never lets the code's holder into it."""
    found = await User.filter(tenant_id=tenant_id, phone=number, phone_verified_at__isnull=False).order_by("created_at", "id").first()
    if found is not None:
        return found
    return await User.create(id=new_id("usr"), tenant_id=tenant_id, phone=number, phone_verified_at=_now(), user_metadata={})


def _number(value: Any) -> str:
    phone = auth.checked_phone(value)
    if phone is None:
        raise ValidationError.single("phone", "is required (E.164, such as +14155552671)")
    return phone


def _hash(tenant_id: str, number: str, code: str) -> str:
    return sha256_hex(f"{tenant_id}:{number}:{code}")


def _now() -> datetime:
    return datetime.now(timezone.utc)
