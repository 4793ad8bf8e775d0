"""The audit log: one entry per administrative or security-relevant action, hash-chained per
tenant (each entry's hash covers the previous one's), so an altered row breaks the chain."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from models import jsoncodec


class AuditEntry(Model):
    id = fields.CharField(max_length=40, primary_key=True)
    tenant_id = fields.CharField(max_length=40)
    seq = fields.BigIntField()  # 1, 2, 3 ... per tenant
    action = fields.CharField(max_length=80)  # such as api_key.created, auth.login_failed
    resource_type = fields.CharField(max_length=40)
    resource_id = fields.CharField(max_length=80, null=True)
    actor = fields.CharField(max_length=80, null=True)
    actor_kind = fields.CharField(max_length=16, null=True)
    before = fields.JSONField(null=True, encoder=jsoncodec.dumps, decoder=jsoncodec.loads)
    after = fields.JSONField(null=True, encoder=jsoncodec.dumps, decoder=jsoncodec.loads)
    ip = fields.CharField(max_length=64, null=True)
    request_id = fields.CharField(max_length=64, null=True)
    created_at = fields.DatetimeField()
    prev_hash = fields.CharField(max_length=64)
    hash = fields.CharField(max_length=64)

    class Meta:
        table = "audit_entries"
        unique_together = (("tenant_id", "seq"),)
        indexes = (("tenant_id", "action", "created_at"), ("tenant_id", "resource_type", "created_at"))


class AuditHead(Model):
    # The last entry of each tenant's chain; appending locks this row, so entries chain in order.
    tenant_id = fields.CharField(max_length=40, primary_key=True)
    last_seq = fields.BigIntField(default=0)
    last_hash = fields.CharField(max_length=64)

    class Meta:
        table = "audit_heads"
