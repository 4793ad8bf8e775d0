"""Scheduled jobs and their runs. A run row is the claim on one occurrence: unique per job and
scheduled time, so however many processes schedule, each occurrence runs once."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from models import jsoncodec
from models.base import TenantOwnedModel


class ScheduledJob(TenantOwnedModel):
    id = fields.CharField(max_length=40, primary_key=True)
    name = fields.CharField(max_length=200)
    description = fields.CharField(max_length=1000, null=True)
    cron_expression = fields.CharField(max_length=120, null=True)  # five fields; or run_at for a one-off
    timezone = fields.CharField(max_length=64, default="UTC")
    run_at = fields.DatetimeField(null=True)
    action_type = fields.CharField(max_length=32)
    action_config = fields.JSONField(default=dict, encoder=jsoncodec.dumps, decoder=jsoncodec.loads)
    enabled = fields.BooleanField(default=True)
    next_run_at = fields.DatetimeField(null=True)  # the next occurrence not yet claimed; NULL: none
    last_run_at = fields.DatetimeField(null=True)
    last_status = fields.CharField(max_length=16, null=True)
    created_by = fields.CharField(max_length=40, null=True)

    class Meta:
        table = "scheduled_jobs"
        indexes = (("enabled", "next_run_at"),)


class JobRun(Model):
    # trigger: schedule (an occurrence), manual (POST .../execute), enqueue (an enqueue_job action).
    # status: pending, running, succeeded, failed.
    id = fields.CharField(max_length=40, primary_key=True)
    tenant_id = fields.CharField(max_length=40)
    job_id = fields.CharField(max_length=40)
    trigger = fields.CharField(max_length=16)
    scheduled_for = fields.DatetimeField(null=True)  # the occurrence (schedule runs only)
    due_at = fields.DatetimeField()
    status = fields.CharField(max_length=16, default="pending")
    attempts = fields.IntField(default=0)
    depth = fields.IntField(default=0)
    data = fields.JSONField(null=True, encoder=jsoncodec.dumps, decoder=jsoncodec.loads)
    claimed_by = fields.CharField(max_length=60, null=True)
    lease_until = fields.DatetimeField(null=True)
    started_at = fields.DatetimeField(null=True)
    finished_at = fields.DatetimeField(null=True)
    result = fields.JSONField(null=True, encoder=jsoncodec.dumps, decoder=jsoncodec.loads)
    error = fields.TextField(null=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "job_runs"
        unique_together = (("job_id", "scheduled_for"),)
        indexes = (("status", "due_at"), ("tenant_id", "job_id", "created_at"))
