"""Custom functions: tenant JavaScript run on demand (http), on an event, or on a schedule
(through a scheduled job), in the same sandbox as runtime hooks; and their logs."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from models import jsoncodec
from models.base import TenantOwnedModel


class CustomFunction(TenantOwnedModel):
    id = fields.CharField(max_length=40, primary_key=True)
    name = fields.CharField(max_length=200)
    description = fields.CharField(max_length=1000, null=True)
    trigger_type = fields.CharField(max_length=10)  # http | event | schedule
    event = fields.CharField(max_length=160, null=True)  # for trigger_type event
    cron_expression = fields.CharField(max_length=120, null=True)  # for trigger_type schedule
    timezone = fields.CharField(max_length=64, null=True)
    job_id = fields.CharField(max_length=40, null=True)  # the scheduled job that runs it
    code = fields.TextField()
    runtime = fields.CharField(max_length=20, default="javascript")
    enabled = fields.BooleanField(default=True)
    timeout_ms = fields.IntField(default=5000)
    memory_limit_mb = fields.IntField(default=64)
    created_by = fields.CharField(max_length=40, null=True)

    class Meta:
        table = "custom_functions"
        unique_together = (("tenant_id", "name"),)


class FunctionLog(Model):
    id = fields.CharField(max_length=40, primary_key=True)
    tenant_id = fields.CharField(max_length=40)
    function_id = fields.CharField(max_length=40)
    trigger = fields.CharField(max_length=10)  # http | event | schedule
    status = fields.CharField(max_length=10)  # succeeded | failed
    input = fields.JSONField(null=True, encoder=jsoncodec.dumps, decoder=jsoncodec.loads)  # {"value": ...}
    result = fields.JSONField(null=True, encoder=jsoncodec.dumps, decoder=jsoncodec.loads)  # {"value": ...}
    error = fields.TextField(null=True)
    console = fields.JSONField(default=list, encoder=jsoncodec.dumps, decoder=jsoncodec.loads)  # [{level, message}]
    duration_ms = fields.FloatField(default=0)
    actor = fields.CharField(max_length=40, null=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "function_logs"
        indexes = (("tenant_id", "function_id", "created_at"), ("created_at",))
