"""Mutations behind mailed links: password reset, magic links, email verification, for apps
(bearer: the app's API key or a user token) and for the hosted portal (no bearer)."""

from __future__ import annotations

from typing import Optional

import strawberry
from strawberry.types import Info

from resolvers.auth import links, portal
from schema.auth.types import AuthMessage, EmailVerified, LoginResult, PasswordReset, client_of

VERIFIED_MESSAGE = "Email verified"
RESET_MESSAGE = "Password changed; every session was signed out"


@strawberry.type
class AuthLinkMutations:
    @strawberry.mutation(description="Mail a password-reset link; answers the same whether or not an account has the address.")
    async def request_password_reset(
        self, info: Info, email: str, redirect_to: Optional[str] = None, turnstile_token: Optional[str] = None
    ) -> AuthMessage:
        message = await links.forgot_password(
            info.context.principal, email=email, redirect_to=redirect_to, runtime=info.context.runtime, client=client_of(info)
        )
        return AuthMessage(message=message)

    @strawberry.mutation(description="Set a new password with the token from the reset mail; ends every session of the account.")
    async def reset_password(self, info: Info, token: str, password: str) -> PasswordReset:
        await links.reset_password(info.context.principal, token=token, password=password)
        return PasswordReset(password_reset=True)

    @strawberry.mutation(description="Mail a sign-in link (an address without an account is signed up when it is used).")
    async def send_magic_link(self, info: Info, email: str, redirect_to: Optional[str] = None) -> AuthMessage:
        message = await links.send_magic_link(
            info.context.principal, email=email, redirect_to=redirect_to, runtime=info.context.runtime, client=client_of(info)
        )
        return AuthMessage(message=message)

    @strawberry.mutation(description="Sign in with the token from a magic-link mail; may answer an MFA ticket.")
    async def verify_magic_link(self, info: Info, token: str) -> LoginResult:
        result = await links.verify_magic_link(info.context.principal, token=token, runtime=info.context.runtime, client=client_of(info))
        return LoginResult.of(result)

    @strawberry.mutation(description="Confirm an email address with the token from the mail (type: signup, email or email_change).")
    async def verify_email(self, info: Info, token: str, type: Optional[str] = None) -> EmailVerified:
        await links.verify_email(info.context.principal, token=token, type=type)
        return EmailVerified(verified=True)

    @strawberry.mutation(description="Hosted login page: mail a password-reset link (no bearer).")
    async def portal_forgot_password(
        self, info: Info, tenant_id: str, email: str, redirect_to: Optional[str] = None, turnstile_token: Optional[str] = None
    ) -> AuthMessage:
        caller = await portal.principal_for(tenant_id, client_ip=info.context.client_ip)
        message = await links.forgot_password(caller, email=email, redirect_to=redirect_to, runtime=info.context.runtime, client=client_of(info))
        return AuthMessage(message=message)

    @strawberry.mutation(description="Hosted login page: set a new password with the mailed token (no bearer).")
    async def portal_reset_password(self, info: Info, token: str, password: str) -> AuthMessage:
        await links.reset_password(None, token=token, password=password, portal=True)
        return AuthMessage(message=RESET_MESSAGE)

    @strawberry.mutation(description="Hosted login page: mail a sign-in link (no bearer).")
    async def portal_magic_link(self, info: Info, tenant_id: str, email: str, redirect_to: Optional[str] = None) -> AuthMessage:
        caller = await portal.principal_for(tenant_id, client_ip=info.context.client_ip)
        message = await links.send_magic_link(caller, email=email, redirect_to=redirect_to, runtime=info.context.runtime, client=client_of(info))
        return AuthMessage(message=message)

    @strawberry.mutation(description="Hosted login page: sign in with a magic-link token (no bearer).")
    async def portal_verify_magic_link(self, info: Info, token: str) -> LoginResult:
        result = await links.verify_magic_link(None, token=token, runtime=info.context.runtime, client=client_of(info), portal=True)
        return LoginResult.of(result)

    @strawberry.mutation(description="Hosted login page: confirm an email address with the mailed token (no bearer).")
    async def portal_verify_email(self, info: Info, token: str) -> AuthMessage:
        await links.verify_email(None, token=token, portal=True)
        return AuthMessage(message=VERIFIED_MESSAGE)
