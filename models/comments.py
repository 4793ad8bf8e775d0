"""Comments on objects (an activity feed), written by users."""

from __future__ import annotations

from tortoise import fields

from models.base import TenantOwnedModel


class Comment(TenantOwnedModel):
    id = fields.CharField(max_length=40, primary_key=True)
    object_type_id = fields.CharField(max_length=40)
    object_id = fields.CharField(max_length=40)
    author_id = fields.CharField(max_length=40)
    body = fields.TextField()
    edited_at = fields.DatetimeField(null=True)

    class Meta:
        table = "comments"
        indexes = (("tenant_id", "object_id", "created_at"),)
