"""Export jobs: durable rows that any server process can claim, so an export outlives a restart."""

from __future__ import annotations

from tortoise import fields

from models.base import TenantOwnedModel


class DataExport(TenantOwnedModel):
    id = fields.CharField(max_length=40, primary_key=True)
    object_type_id = fields.CharField(max_length=40)
    format = fields.CharField(max_length=8)
    where = fields.JSONField(null=True)  # the filter, in the list filter language
    status = fields.CharField(max_length=16, default="pending")  # pending, running, completed, failed
    record_count = fields.IntField(default=0)
    processed = fields.IntField(default=0)
    storage_key = fields.CharField(max_length=300, null=True)
    error = fields.TextField(null=True)
    claimed_by = fields.CharField(max_length=60, null=True)
    lease_until = fields.DatetimeField(null=True)
    completed_at = fields.DatetimeField(null=True)
    created_by = fields.CharField(max_length=40, null=True)

    class Meta:
        table = "data_exports"
        indexes = (("status", "lease_until"),)
