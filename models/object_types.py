"""Object types: a tenant's tables. Names are unique per tenant."""

from __future__ import annotations

from tortoise import fields

from models.base import TenantOwnedModel


class ObjectType(TenantOwnedModel):
    id = fields.CharField(max_length=40, primary_key=True)
    name = fields.CharField(max_length=63)
    display_name = fields.CharField(max_length=200)

    class Meta:
        table = "object_types"
        unique_together = (("tenant_id", "name"),)
