"""End-user auth mutations. Signup, login and refresh take the tenant's API key (a client app's
key) or a user token of the tenant as the bearer; the rest need the user's access token."""

from __future__ import annotations

from typing import Optional

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from resolvers.auth import config as auth_config
from resolvers.auth import mfa, otp, portal, service
from schema.auth.types import (
    AuthTokens,
    AuthUserNode,
    LoginResult,
    AuthMessage,
    MfaCheck,
    MfaEnrollment,
    MfaUnenrolled,
    MfaVerification,
    PortalTenant,
    PortalTenants,
    RevokedSession,
    RevokedSessions,
    TotpSetup,
    UpdateCurrentUserInput,
    client_of,
)
from schema.inputs import provided_fields


@strawberry.type
class AuthMutations:
    @strawberry.mutation(description="Create an account with email and password and sign it in.")
    async def sign_up(
        self,
        info: Info,
        email: str,
        password: str,
        phone: Optional[str] = None,
        user_metadata: Optional[JSON] = None,
        turnstile_token: Optional[str] = None,
    ) -> AuthTokens:
        pair = await service.sign_up(
            info.context.principal, email=email, password=password, phone=phone, user_metadata=user_metadata,
            runtime=info.context.runtime, client=client_of(info),
        )
        return AuthTokens.of(pair)

    @strawberry.mutation(description="Sign in with email and password; with a verified second factor, answers an MFA ticket.")
    async def log_in(self, info: Info, email: str, password: str, turnstile_token: Optional[str] = None) -> LoginResult:
        result = await service.log_in(info.context.principal, email=email, password=password, runtime=info.context.runtime, client=client_of(info))
        return LoginResult.of(result)

    @strawberry.mutation(description="Start an anonymous session; link it to an email and password later with updateCurrentUser.")
    async def sign_in_anonymously(self, info: Info) -> AuthTokens:
        pair = await service.sign_in_anonymously(info.context.principal, runtime=info.context.runtime, client=client_of(info))
        return AuthTokens.of(pair)

    @strawberry.mutation(description="Exchange a refresh token (single use) for new tokens.")
    async def refresh_session(self, info: Info, refresh_token: str) -> AuthTokens:
        return AuthTokens.of(await service.refresh(info.context.principal, refresh_token=refresh_token, runtime=info.context.runtime))

    @strawberry.mutation(description="End the session of the refresh token (or the caller's own session).")
    async def log_out(self, info: Info, refresh_token: Optional[str] = None) -> AuthMessage:
        return AuthMessage(message=await service.log_out(info.context.principal, refresh_token=refresh_token))

    @strawberry.mutation(description="Change the signed-in user's phone, password or metadata.")
    async def update_current_user(self, info: Info, input: UpdateCurrentUserInput) -> AuthUserNode:
        return AuthUserNode.of(await service.update_current_user(info.context.principal, provided_fields(input), runtime=info.context.runtime))

    @strawberry.mutation(description="Revoke all of the signed-in user's sessions.")
    async def revoke_all_auth_sessions(self, info: Info) -> RevokedSessions:
        return RevokedSessions(revoked=await service.revoke_all_sessions(info.context.principal))

    @strawberry.mutation(description="Revoke one of the signed-in user's sessions.")
    async def revoke_auth_session(self, info: Info, id: strawberry.ID) -> RevokedSession:
        return RevokedSession(revoked=await service.revoke_session(info.context.principal, str(id)))

    @strawberry.mutation(description="Change the auth configuration (scope auth): nested objects merge, values replace.")
    async def update_auth_config(self, info: Info, input: JSON) -> JSON:
        return await auth_config.update_config(info.context.principal, input)

    @strawberry.mutation(description="Start TOTP enrolment: a secret and an otpauth URI for an authenticator app.")
    async def enroll_mfa(self, info: Info, friendly_name: Optional[str] = None) -> MfaEnrollment:
        made = await mfa.enroll(info.context.principal, friendly_name=friendly_name, runtime=info.context.runtime)
        return MfaEnrollment(factor_id=made["factor_id"], type=made["type"], friendly_name=made["friendly_name"], totp=TotpSetup(**made["totp"]))

    @strawberry.mutation(description="Confirm a factor with a code; the first one returns recovery codes (shown once).")
    async def verify_mfa(self, info: Info, factor_id: str, code: str) -> MfaVerification:
        return MfaVerification(**await mfa.verify(info.context.principal, factor_id=factor_id, code=code, runtime=info.context.runtime))

    @strawberry.mutation(description="Check a user's code (the user themself, or an API key with the auth scope).")
    async def challenge_mfa(self, info: Info, factor_id: str, code: str, user_id: Optional[str] = None) -> MfaCheck:
        return MfaCheck(**await mfa.check(info.context.principal, factor_id=factor_id, code=code, user_id=user_id, runtime=info.context.runtime))

    @strawberry.mutation(description="Finish a login with the MFA ticket and a code (no bearer needed).")
    async def complete_mfa(self, info: Info, mfa_ticket: str, factor_id: str, code: str) -> AuthTokens:
        return AuthTokens.of(await mfa.complete(mfa_ticket=mfa_ticket, factor_id=factor_id, code=code, runtime=info.context.runtime))

    @strawberry.mutation(description="Finish a login with the MFA ticket and a recovery code (each works once).")
    async def recover_mfa(self, info: Info, mfa_ticket: str, recovery_code: str) -> AuthTokens:
        return AuthTokens.of(await mfa.recover(mfa_ticket=mfa_ticket, recovery_code=recovery_code, runtime=info.context.runtime))

    @strawberry.mutation(description="Remove one of the signed-in user's factors (a verified one needs a session that passed MFA).")
    async def unenroll_mfa(self, info: Info, factor_id: str) -> MfaUnenrolled:
        return MfaUnenrolled(unenrolled=await mfa.unenroll(info.context.principal, factor_id))

    @strawberry.mutation(description="Hosted login page: which tenants have an account for this email (no bearer; rate-limited).")
    async def portal_identify(self, info: Info, email: str) -> PortalTenants:
        found = await portal.identify(email, client_ip=info.context.client_ip, runtime=info.context.runtime)
        return PortalTenants(
            tenant_id=found["tenant_id"], multiple_tenants=found["multiple_tenants"], tenants=[PortalTenant(**t) for t in found["tenants"]]
        )

    @strawberry.mutation(description="Hosted login page: sign up in the named tenant (no bearer).")
    async def portal_sign_up(
        self,
        info: Info,
        tenant_id: str,
        email: str,
        password: str,
        phone: Optional[str] = None,
        user_metadata: Optional[JSON] = None,
        turnstile_token: Optional[str] = None,
    ) -> AuthTokens:
        caller = await portal.principal_for(tenant_id, client_ip=info.context.client_ip)
        pair = await service.sign_up(
            caller, email=email, password=password, phone=phone, user_metadata=user_metadata, runtime=info.context.runtime, client=client_of(info)
        )
        return AuthTokens.of(pair)

    @strawberry.mutation(description="Hosted login page: log in to the named tenant (no bearer); may answer an MFA ticket.")
    async def portal_log_in(self, info: Info, tenant_id: str, email: str, password: str, turnstile_token: Optional[str] = None) -> LoginResult:
        caller = await portal.principal_for(tenant_id, client_ip=info.context.client_ip)
        result = await service.log_in(caller, email=email, password=password, runtime=info.context.runtime, client=client_of(info))
        return LoginResult.of(result)

    @strawberry.mutation(description="Text a 6-digit sign-in code to a phone number (E.164); the same answer whether or not an account has it.")
    async def send_otp(self, info: Info, phone: str) -> AuthMessage:
        return AuthMessage(message=await otp.send(info.context.principal, phone=phone, runtime=info.context.runtime, client=client_of(info)))

    @strawberry.mutation(description="Sign in with a texted code (a first use creates a phone-only account); may answer an MFA ticket.")
    async def verify_otp(self, info: Info, phone: str, code: str) -> LoginResult:
        result = await otp.verify(info.context.principal, phone=phone, code=code, runtime=info.context.runtime, client=client_of(info))
        return LoginResult.of(result)

    @strawberry.mutation(description="Hosted login page: text a sign-in code (no bearer).")
    async def portal_send_otp(self, info: Info, tenant_id: str, phone: str) -> AuthMessage:
        caller = await portal.principal_for(tenant_id, client_ip=info.context.client_ip)
        return AuthMessage(message=await otp.send(caller, phone=phone, runtime=info.context.runtime, client=client_of(info)))

    @strawberry.mutation(description="Hosted login page: sign in with a texted code (no bearer).")
    async def portal_verify_otp(self, info: Info, tenant_id: str, phone: str, code: str) -> LoginResult:
        caller = await portal.principal_for(tenant_id, client_ip=info.context.client_ip)
        return LoginResult.of(await otp.verify(caller, phone=phone, code=code, runtime=info.context.runtime, client=client_of(info)))
