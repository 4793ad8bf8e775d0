"""Tenants: the unit of isolation. Every other row points at one."""

from __future__ import annotations

from tortoise import fields

from models.base import TimestampedModel


class Tenant(TimestampedModel):
    id = fields.CharField(max_length=40, primary_key=True)
    name = fields.CharField(max_length=200)
    owner_email = fields.CharField(max_length=320, null=True, db_index=True)
    plan_tier = fields.CharField(max_length=32, default="free")
    status = fields.CharField(max_length=16, default="active")
    quotas = fields.JSONField(default=dict)
    branding = fields.JSONField(default=dict)
    used_storage_bytes = fields.BigIntField(default=0)
    # Bumped with every object-type or property change: lets processes cache type schemas and
    # check them against the value authentication already reads (see objects/schema_cache.py).
    schema_version = fields.BigIntField(default=0)
    # Bumped with every role, permission or assignment change; authentication reads it, so each
    # process knows at once when its cached permissions are stale (see resolvers/roles/permissions.py).
    roles_version = fields.BigIntField(null=True)
    # Governance settings (audit retention, session duration, password minimum, IP allowlist), read
    # with every credential so a change applies at once on every process; NULL: the defaults.
    governance = fields.JSONField(null=True)
    stripe_customer_id = fields.CharField(max_length=64, null=True, db_index=True)  # set by Stripe checkout
    stripe_subscription_id = fields.CharField(max_length=64, null=True)

    class Meta:
        table = "tenants"
