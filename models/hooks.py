"""Runtime hooks: tenant JavaScript run on data events, in the sandbox (resolvers/sandbox), with
their execution statistics; and the queue of after-commit work (action hooks, event functions)
fed from the event log."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from models import jsoncodec
from models.base import TenantOwnedModel


class RuntimeHook(TenantOwnedModel):
    id = fields.CharField(max_length=40, primary_key=True)
    name = fields.CharField(max_length=200)
    description = fields.CharField(max_length=1000, null=True)
    event = fields.CharField(max_length=160)  # items.create, articles.items.create, versions.create, xtr.item.promote
    type = fields.CharField(max_length=8)  # filter | action
    code = fields.TextField()
    status = fields.CharField(max_length=10, default="inactive")  # active | inactive | error
    sort = fields.IntField(default=0)
    timeout_ms = fields.IntField(default=5000)
    memory_limit_mb = fields.IntField(default=64)
    last_error = fields.TextField(null=True)
    last_error_at = fields.DatetimeField(null=True)
    execution_count = fields.BigIntField(default=0)
    failure_streak = fields.IntField(default=0)  # consecutive failed runs; at the limit the hook goes to `error`
    last_executed_at = fields.DatetimeField(null=True)
    avg_execution_time_ms = fields.FloatField(default=0)
    created_by = fields.CharField(max_length=40, null=True)

    class Meta:
        table = "runtime_hooks"
        indexes = (("tenant_id", "status", "event"),)


class ExtensionCursor(Model):
    """How far the extension worker has read each tenant's event log."""

    tenant_id = fields.CharField(max_length=40, primary_key=True)
    last_seq = fields.BigIntField(default=0)

    class Meta:
        table = "extension_cursors"


class ExtensionRun(Model):
    """One after-commit execution to do: an action hook or an event-triggered function, for one
    event. Claimed with a lease, so a process dying mid-run leaves it for another."""

    id = fields.CharField(max_length=40, primary_key=True)
    tenant_id = fields.CharField(max_length=40)
    target = fields.CharField(max_length=10)  # hook | function
    target_id = fields.CharField(max_length=40)
    event_seq = fields.BigIntField(null=True)
    event_type = fields.CharField(max_length=160)
    meta = fields.JSONField(null=True, encoder=jsoncodec.dumps, decoder=jsoncodec.loads)  # what the code receives
    depth = fields.IntField(default=1)
    status = fields.CharField(max_length=16, default="pending")  # pending | running | succeeded | failed
    attempts = fields.IntField(default=0)
    claimed_by = fields.CharField(max_length=60, null=True)
    lease_until = fields.DatetimeField(null=True)
    error = fields.TextField(null=True)
    created_at = fields.DatetimeField()
    finished_at = fields.DatetimeField(null=True)

    class Meta:
        table = "extension_runs"
        indexes = (("status", "created_at"), ("tenant_id", "target_id", "created_at"))
