"""Shared model pieces: prefixed string ids and timestamps."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class TimestampedModel(Model):
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        abstract = True


class TenantOwnedModel(TimestampedModel):
    """Every tenant-owned row carries `tenant_id`; queries go through `resolvers.scoping`."""

    tenant_id = fields.CharField(max_length=40, db_index=True)

    class Meta:
        abstract = True
