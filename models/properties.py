"""Typed properties of an object type. Values live in the object's `properties` JSON."""

from __future__ import annotations

from tortoise import fields

from models.base import TenantOwnedModel
from models import jsoncodec


class Property(TenantOwnedModel):
    id = fields.CharField(max_length=40, primary_key=True)
    object_type_id = fields.CharField(max_length=40, db_index=True)
    name = fields.CharField(max_length=64)
    data_type = fields.CharField(max_length=20)
    is_indexed = fields.BooleanField(default=False)
    is_sortable = fields.BooleanField(default=False)
    is_unique = fields.BooleanField(default=False)
    is_required = fields.BooleanField(default=False)
    default_value = fields.JSONField(null=True, encoder=jsoncodec.dumps, decoder=jsoncodec.loads)
    enum_values = fields.JSONField(null=True)
    description = fields.TextField(null=True)

    class Meta:
        table = "properties"
        unique_together = (("object_type_id", "name"),)
