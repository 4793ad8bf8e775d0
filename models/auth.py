"""End-user auth: users, their sessions, rotating refresh tokens, and the JWT signing keys."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from models import jsoncodec
from models.base import TenantOwnedModel


class User(TenantOwnedModel):
    id = fields.CharField(max_length=40, primary_key=True)
    email = fields.CharField(max_length=320, null=True)  # normalised (NFKC, lower case); unique per tenant
    phone = fields.CharField(max_length=20, null=True)
    password_hash = fields.CharField(max_length=200, null=True)
    role = fields.CharField(max_length=63, default="authenticated")
    status = fields.CharField(max_length=16, default="active")  # active | banned
    ban_reason = fields.CharField(max_length=500, null=True)
    is_anonymous = fields.BooleanField(default=False)
    email_verified_at = fields.DatetimeField(null=True)
    phone_verified_at = fields.DatetimeField(null=True)  # set by a texted code; a typed-in number is not verified
    last_sign_in_at = fields.DatetimeField(null=True)
    user_metadata = fields.JSONField(default=dict, encoder=jsoncodec.dumps, decoder=jsoncodec.loads)

    class Meta:
        table = "users"
        unique_together = (("tenant_id", "email"),)


class AuthSession(TenantOwnedModel):
    id = fields.CharField(max_length=40, primary_key=True)
    user_id = fields.CharField(max_length=40, db_index=True)
    user_agent = fields.CharField(max_length=500, null=True)
    ip = fields.CharField(max_length=64, null=True)
    last_used_at = fields.DatetimeField(null=True)
    revoked_at = fields.DatetimeField(null=True)
    aal = fields.CharField(max_length=8, null=True)  # "aal2" once a second factor was shown; NULL: aal1

    class Meta:
        table = "auth_sessions"


class RefreshToken(Model):
    id = fields.CharField(max_length=40, primary_key=True)
    tenant_id = fields.CharField(max_length=40)
    session_id = fields.CharField(max_length=40, db_index=True)
    token_hash = fields.CharField(max_length=64, unique=True)
    parent_id = fields.CharField(max_length=40, null=True)
    used_at = fields.DatetimeField(null=True)  # rotated: its child is the live one
    created_at = fields.DatetimeField()
    expires_at = fields.DatetimeField()

    class Meta:
        table = "refresh_tokens"


class SigningKey(Model):
    kid = fields.CharField(max_length=40, primary_key=True)
    algorithm = fields.CharField(max_length=16)
    private_key = fields.TextField()  # PEM, encrypted with a key derived from BASALT_SECRET_KEY
    public_jwk = fields.JSONField(encoder=jsoncodec.dumps, decoder=jsoncodec.loads)
    created_at = fields.DatetimeField()
    retired_at = fields.DatetimeField(null=True)

    class Meta:
        table = "signing_keys"


class AuthConfig(Model):
    # A tenant's auth settings (providers, password policy, token lifetimes, redirects, templates);
    # absent keys take the defaults in resolvers/auth/config.py.
    tenant_id = fields.CharField(max_length=40, primary_key=True)
    config = fields.JSONField(default=dict, encoder=jsoncodec.dumps, decoder=jsoncodec.loads)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "auth_configs"


class MfaFactor(TenantOwnedModel):
    id = fields.CharField(max_length=40, primary_key=True)
    user_id = fields.CharField(max_length=40, db_index=True)
    factor_type = fields.CharField(max_length=16, default="totp")
    friendly_name = fields.CharField(max_length=100, null=True)
    secret = fields.TextField()  # the TOTP key, encrypted with a key derived from BASALT_SECRET_KEY
    verified_at = fields.DatetimeField(null=True)
    last_used_step = fields.BigIntField(null=True)  # a code of this 30 s step or earlier is a replay

    class Meta:
        table = "mfa_factors"


class MfaRecoveryCode(Model):
    id = fields.CharField(max_length=40, primary_key=True)
    tenant_id = fields.CharField(max_length=40)
    user_id = fields.CharField(max_length=40, db_index=True)
    code_hash = fields.CharField(max_length=64)
    used_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "mfa_recovery_codes"


class MfaTicket(Model):
    # Issued by a password login when the user has a verified factor; spent by mfa/complete or
    # mfa/recover, which then open the session.
    id = fields.CharField(max_length=40, primary_key=True)
    tenant_id = fields.CharField(max_length=40)
    user_id = fields.CharField(max_length=40)
    ticket_hash = fields.CharField(max_length=64, unique=True)
    user_agent = fields.CharField(max_length=500, null=True)
    ip = fields.CharField(max_length=64, null=True)
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)

    class Meta:
        table = "mfa_tickets"


class OtpCode(Model):
    # A one-time code sent by text message; stored hashed, single use, five tries.
    id = fields.CharField(max_length=40, primary_key=True)
    tenant_id = fields.CharField(max_length=40)
    phone = fields.CharField(max_length=20)
    code_hash = fields.CharField(max_length=64)
    attempts = fields.IntField(default=0)
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "otp_codes"
        indexes = (("tenant_id", "phone", "created_at"),)


class EmailLink(Model):
    # A single-use token mailed to a user: verify an address (signup), confirm a new address
    # (email_change), reset a password (recovery) or sign in (magiclink). Stored hashed; the hash is
    # unique across tenants, so the public portal routes find the tenant from the token alone.
    id = fields.CharField(max_length=40, primary_key=True)
    tenant_id = fields.CharField(max_length=40)
    user_id = fields.CharField(max_length=40, null=True)  # NULL: a magic link that signs up a new address
    purpose = fields.CharField(max_length=16)
    email = fields.CharField(max_length=320)  # the address the link was sent to
    token_hash = fields.CharField(max_length=64, unique=True)
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "email_links"
        indexes = (("tenant_id", "user_id", "purpose"),)
