"""Single-use confirm tokens of the secure-deletion flow (409 DEPENDENCY_EXISTS)."""

from __future__ import annotations

from tortoise import fields

from models.base import TenantOwnedModel


class ConfirmToken(TenantOwnedModel):
    id = fields.IntField(primary_key=True)
    token_hash = fields.CharField(max_length=64, unique=True)
    resource_type = fields.CharField(max_length=64)
    resource_id = fields.CharField(max_length=64)
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)

    class Meta:
        table = "confirm_tokens"
