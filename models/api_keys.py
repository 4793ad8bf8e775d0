"""API keys: stored only as a SHA-256 hash of the token; the token is shown once."""

from __future__ import annotations

from tortoise import fields

from models.base import TenantOwnedModel


class ApiKey(TenantOwnedModel):
    id = fields.CharField(max_length=40, primary_key=True)
    label = fields.CharField(max_length=200)
    prefix = fields.CharField(max_length=16)
    token_hash = fields.CharField(max_length=64, unique=True)
    scopes = fields.JSONField(default=list)
    ip_allowlist = fields.JSONField(default=list)
    expires_at = fields.DatetimeField(null=True)
    rate_limit = fields.IntField(null=True)
    parent_key_id = fields.CharField(max_length=40, null=True, db_index=True)
    revoked_at = fields.DatetimeField(null=True)
    last_used_at = fields.DatetimeField(null=True)

    class Meta:
        table = "api_keys"
