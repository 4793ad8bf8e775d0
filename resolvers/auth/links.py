"""The flows behind mailed links: verify an email, reset a password, sign in by magic link.

Requests (`forgot_password`, `send_magic_link`) answer the same whether or not an account has the
address and do the same work either way: rate limits, then one queued mail (see emails.py). Using
a link spends it (single use, with expiry). Bearer routes pass their principal and only accept
their own tenant's links; the public portal routes pass `portal=True` and the token names the tenant.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from tortoise.exceptions import IntegrityError

from models.auth import EmailLink, User
from resolvers import db
from resolvers.auth import config as auth_config
from resolvers.auth import emails, passwords, repository
from resolvers.auth import service as auth
from resolvers.auth.portal import open_tenant
from resolvers.auth.schemas import MfaRequired, TokenPair
from resolvers.authz import require_principal
from resolvers.errors import AlreadyExists, DomainError, ValidationError
from resolvers.ids import new_id, sha256_hex
from resolvers.principal import Principal
from resolvers.rate_limit.service import Limit
from resolvers.runtime import Runtime

MAILS_PER_ADDRESS_PER_HOUR = 5
SENT_MESSAGE = "If the address has an account, a mail is on its way"
VERIFY_TYPES = {None: (emails.SIGNUP, emails.EMAIL_CHANGE), "signup": (emails.SIGNUP,), "email": (emails.SIGNUP,), "email_change": (emails.EMAIL_CHANGE,)}


class InvalidLink(DomainError):
    code = "INVALID_TOKEN"
    status = 400
    default_message = "This link is invalid, expired or already used; ask for a new one"


# --- asking for a mail -------------------------------------------------------------------------


async def forgot_password(principal: Principal | None, *, email: Any, redirect_to: Any, runtime: Runtime, client: auth.ClientInfo) -> str:
    caller = require_principal(principal)
    (await auth_config.policy(caller.tenant_id)).require("email")
    return await _request_mail(caller.tenant_id, emails.RECOVERY, email, redirect_to, runtime, client)


async def send_magic_link(principal: Principal | None, *, email: Any, redirect_to: Any, runtime: Runtime, client: auth.ClientInfo) -> str:
    caller = require_principal(principal)
    (await auth_config.policy(caller.tenant_id)).require("email")
    return await _request_mail(caller.tenant_id, emails.MAGICLINK, email, redirect_to, runtime, client)


async def _request_mail(tenant_id: str, purpose: str, email: Any, redirect_to: Any, runtime: Runtime, client: auth.ClientInfo) -> str:
    address = auth.normalize_email(email)
    target = await auth_config.checked_redirect(tenant_id, redirect_to)
    limiter = runtime.rate_limiter
    await limiter.hit(f"mail-ip:{tenant_id}:{client.ip}", Limit(runtime.login_rate_limit), message="Too many requests; retry later")
    await limiter.hit(
        f"mail-address:{tenant_id}:{purpose}:{sha256_hex(address)}", Limit(MAILS_PER_ADDRESS_PER_HOUR, 3600),
        message="Too many mails asked for this address; retry later",
    )
    await emails.queue(runtime, purpose, tenant_id=tenant_id, to=address, redirect_to=target)
    return SENT_MESSAGE


# --- using a link ------------------------------------------------------------------------------


async def verify_email(principal: Principal | None, *, token: Any, type: Any = None, portal: bool = False) -> None:
    """Confirm a signup address, or move the account to a new address it confirmed."""
    tenant_id = _tenant_scope(principal, portal)
    if type not in VERIFY_TYPES:
        raise ValidationError.single("type", "must be signup, email or email_change")
    link = await _spend(tenant_id, token, VERIFY_TYPES[type])
    user = await _user_of(link)
    now = _now()
    if link.purpose == emails.SIGNUP:
        if user.email != link.email:
            raise InvalidLink()  # the account changed its address since
        user.email_verified_at = user.email_verified_at or now
        await user.save(update_fields=["email_verified_at", "updated_at"])
        return
    await _move_to(user, link.email, now)


async def _move_to(user: User, address: str, now: datetime) -> None:
    if await User.filter(tenant_id=user.tenant_id, email=address).exclude(id=user.id).exists():
        raise AlreadyExists("An account with this email already exists")
    user.email, user.email_verified_at = address, now
    try:
        await user.save(update_fields=["email", "email_verified_at", "updated_at"])
    except IntegrityError as exc:  # taken by a concurrent signup
        if db.is_unique_violation(exc):
            raise AlreadyExists("An account with this email already exists") from None
        raise
    await repository.spend_email_links(user.tenant_id, user.id, now)  # links mailed to the old address die with it


async def reset_password(principal: Principal | None, *, token: Any, password: Any, portal: bool = False) -> None:
    """Set a new password and end every session of the account (all its refresh tokens)."""
    tenant_id = _tenant_scope(principal, portal)
    link = await _find(tenant_id, token, (emails.RECOVERY,))
    policy = await auth_config.policy(link.tenant_id)
    secret = auth.checked_password(password, policy.password_min_length)  # a weak password keeps the link usable
    link = await _spend(tenant_id, token, (emails.RECOVERY,))
    user = await _user_of(link)
    if user.email != link.email:
        raise InvalidLink()  # the account moved to another address since the mail was sent
    now = _now()
    user.password_hash = await passwords.hash_password(secret)
    user.email_verified_at = user.email_verified_at or now  # the mail reached them
    await user.save(update_fields=["password_hash", "email_verified_at", "updated_at"])
    await repository.revoke_sessions(user.tenant_id, user.id, now)
    await repository.spend_email_links(user.tenant_id, user.id, now, purpose=emails.RECOVERY)


async def verify_magic_link(
    principal: Principal | None, *, token: Any, runtime: Runtime, client: auth.ClientInfo, portal: bool = False
) -> TokenPair | MfaRequired:
    """Sign in the address the link was mailed to, signing it up if it has no account yet."""
    link = await _spend(_tenant_scope(principal, portal), token, (emails.MAGICLINK,))
    policy = await auth_config.policy(link.tenant_id)
    policy.require("email")
    user = await _magic_link_user(link)
    if user.status == "banned":
        raise auth.UserBanned()
    factors = await repository.verified_factors(user.tenant_id, user.id)
    if factors:
        return await auth.mfa_ticket(user, factors, client)
    return await auth.open_session(user, runtime, client, policy=policy)


async def _magic_link_user(link: EmailLink) -> User:
    user = await repository.user_by_email(link.tenant_id, link.email)
    if link.user_id is not None and (user is None or user.id != link.user_id):
        raise InvalidLink()  # the account changed its address since
    now = _now()
    if user is None:
        user = User(id=new_id("usr"), tenant_id=link.tenant_id, email=link.email, email_verified_at=now, user_metadata={})
        try:
            await user.save(force_create=True)
        except IntegrityError as exc:
            if db.is_unique_violation(exc):  # a concurrent signup took the address: use the link again
                raise InvalidLink() from None
            raise
    elif user.email_verified_at is None:
        user.email_verified_at = now
        await user.save(update_fields=["email_verified_at", "updated_at"])
    return user


# --- tokens ------------------------------------------------------------------------------------


def _tenant_scope(principal: Principal | None, portal: bool) -> str | None:
    """The caller's tenant on bearer routes (no bearer: 401); None on the portal's public routes,
    where the token itself names the tenant."""
    return None if portal else require_principal(principal).tenant_id


async def _find(tenant_id: str | None, token: Any, purposes: tuple[str, ...]) -> EmailLink:
    if not isinstance(token, str) or not token or len(token) > 200:
        raise ValidationError.single("token", "is required: the token from the mail")
    link = await repository.email_link_by_hash(sha256_hex(token))
    if link is None or link.purpose not in purposes or link.used_at is not None or link.expires_at <= _now():
        raise InvalidLink()
    if tenant_id is None:
        await open_tenant(link.tenant_id)  # the tenant must exist and be active (the token proves the mailbox)
    elif tenant_id != link.tenant_id:
        raise InvalidLink()  # another tenant's link looks like a wrong one
    return link


async def _spend(tenant_id: str | None, token: Any, purposes: tuple[str, ...]) -> EmailLink:
    link = await _find(tenant_id, token, purposes)
    if not await repository.spend_email_link(link, _now()):
        raise InvalidLink()  # a concurrent request used it first
    return link


async def _user_of(link: EmailLink) -> User:
    user = await repository.user_by_id(link.tenant_id, link.user_id or "")
    if user is None:
        raise InvalidLink()
    return user


def _now() -> datetime:
    return datetime.now(timezone.utc)
