"""Automations: a trigger event pattern, conditions and actions; every run recorded."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from models import jsoncodec
from models.base import TenantOwnedModel


class Automation(TenantOwnedModel):
    id = fields.CharField(max_length=40, primary_key=True)
    name = fields.CharField(max_length=200)
    description = fields.CharField(max_length=1000, null=True)
    trigger_event = fields.CharField(max_length=120)  # an event type or pattern: object.created, order.*, *
    conditions = fields.JSONField(default=list, encoder=jsoncodec.dumps, decoder=jsoncodec.loads)  # expressions, all must hold
    actions = fields.JSONField(default=list, encoder=jsoncodec.dumps, decoder=jsoncodec.loads)
    enabled = fields.BooleanField(default=True)
    created_by = fields.CharField(max_length=40, null=True)

    class Meta:
        table = "automations"


class AutomationCursor(Model):
    # How far the tenant's event log has been matched against its automations (see webhooks' cursor).
    tenant_id = fields.CharField(max_length=40, primary_key=True)
    last_seq = fields.BigIntField(default=0)

    class Meta:
        table = "automation_cursors"


class AutomationRun(Model):
    # status: pending, running, succeeded, failed, skipped (its conditions did not hold)
    id = fields.CharField(max_length=40, primary_key=True)
    tenant_id = fields.CharField(max_length=40)
    automation_id = fields.CharField(max_length=40)
    trigger = fields.CharField(max_length=16)  # event | manual
    event_seq = fields.BigIntField(null=True)
    event_type = fields.CharField(max_length=100, null=True)
    data = fields.JSONField(null=True, encoder=jsoncodec.dumps, decoder=jsoncodec.loads)  # what triggered it
    depth = fields.IntField(default=1)
    status = fields.CharField(max_length=16, default="pending")
    attempts = fields.IntField(default=0)
    claimed_by = fields.CharField(max_length=60, null=True)
    lease_until = fields.DatetimeField(null=True)
    results = fields.JSONField(null=True, encoder=jsoncodec.dumps, decoder=jsoncodec.loads)  # per action
    error = fields.TextField(null=True)
    duration_ms = fields.IntField(null=True)
    created_at = fields.DatetimeField()
    started_at = fields.DatetimeField(null=True)
    finished_at = fields.DatetimeField(null=True)

    class Meta:
        table = "automation_runs"
        indexes = (("status", "created_at"), ("tenant_id", "automation_id", "created_at"))
