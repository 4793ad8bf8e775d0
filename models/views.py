"""Saved views: a named filter, sort and column list on an object type."""

from __future__ import annotations

from tortoise import fields

from models.base import TenantOwnedModel


class SavedView(TenantOwnedModel):
    id = fields.CharField(max_length=40, primary_key=True)
    object_type_id = fields.CharField(max_length=40, db_index=True)
    name = fields.CharField(max_length=100)
    filters = fields.JSONField(default=list)
    sort = fields.JSONField(default=dict)
    columns = fields.JSONField(default=list)
    created_by = fields.CharField(max_length=40, null=True)

    class Meta:
        table = "saved_views"
