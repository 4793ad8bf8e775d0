"""Roles: named sets of permissions with a parent (a role has its parent's permissions too), and
which users hold them."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from models import jsoncodec
from models.base import TenantOwnedModel


class Role(TenantOwnedModel):
    id = fields.CharField(max_length=40, primary_key=True)
    name = fields.CharField(max_length=63)  # unique per tenant; `authenticated` is every user's baseline
    description = fields.CharField(max_length=500, null=True)
    parent_role_id = fields.CharField(max_length=40, null=True)
    permissions = fields.JSONField(default=list, encoder=jsoncodec.dumps, decoder=jsoncodec.loads)

    class Meta:
        table = "roles"
        unique_together = (("tenant_id", "name"),)


class UserRole(Model):
    id = fields.CharField(max_length=40, primary_key=True)
    tenant_id = fields.CharField(max_length=40)
    user_id = fields.CharField(max_length=40)
    role_id = fields.CharField(max_length=40)
    created_at = fields.DatetimeField()

    class Meta:
        table = "user_roles"
        unique_together = (("tenant_id", "user_id", "role_id"),)
        indexes = (("tenant_id", "role_id"),)
