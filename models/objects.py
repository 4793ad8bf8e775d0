"""Objects (a tenant's records) and their previous versions.

`properties` is JSON (JSONB on PostgreSQL). Reads go through raw SQL in
`resolvers.objects.repository` so filters, sorts and indexes use the same expressions.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from models.base import TenantOwnedModel
from models import jsoncodec


class DataObject(TenantOwnedModel):
    id = fields.CharField(max_length=40, primary_key=True)
    object_type_id = fields.CharField(max_length=40)
    properties = fields.JSONField(default=dict, encoder=jsoncodec.dumps, decoder=jsoncodec.loads)
    version = fields.IntField(default=1)
    created_by = fields.CharField(max_length=40, null=True)
    updated_by = fields.CharField(max_length=40, null=True)
    deleted_at = fields.DatetimeField(null=True)

    class Meta:
        table = "objects"
        indexes = (("object_type_id", "deleted_at", "created_at", "id"),)


class ObjectVersion(Model):
    """The state an object had at `version`, kept when a newer version replaced it."""

    id = fields.CharField(max_length=40, primary_key=True)
    tenant_id = fields.CharField(max_length=40)
    object_id = fields.CharField(max_length=40)
    object_type_id = fields.CharField(max_length=40)
    version = fields.IntField()
    properties = fields.JSONField(encoder=jsoncodec.dumps, decoder=jsoncodec.loads)
    created_by = fields.CharField(max_length=40, null=True)
    created_at = fields.DatetimeField()  # when this version was written

    class Meta:
        table = "object_versions"
        unique_together = (("object_id", "version"),)
