"""Typed, directed links between two objects of a tenant."""

from __future__ import annotations

from tortoise import fields

from models.base import TenantOwnedModel


class Association(TenantOwnedModel):
    id = fields.CharField(max_length=40, primary_key=True)
    from_type = fields.CharField(max_length=40)
    from_id = fields.CharField(max_length=40, db_index=True)
    association_type = fields.CharField(max_length=63)
    to_type = fields.CharField(max_length=40)
    to_id = fields.CharField(max_length=40, db_index=True)
    meta = fields.JSONField(default=dict)

    class Meta:
        table = "associations"
        unique_together = (("tenant_id", "from_id", "association_type", "to_id"),)
