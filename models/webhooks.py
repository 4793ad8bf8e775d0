"""Outbound webhooks: endpoints, the durable delivery queue fed from the event log, and every
delivery attempt."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from models import jsoncodec
from models.base import TenantOwnedModel


class WebhookEndpoint(TenantOwnedModel):
    id = fields.CharField(max_length=40, primary_key=True)
    url = fields.CharField(max_length=2000)
    events = fields.JSONField(default=list, encoder=jsoncodec.dumps, decoder=jsoncodec.loads)  # patterns: object.created, object.*, *
    object_types = fields.JSONField(default=list, encoder=jsoncodec.dumps, decoder=jsoncodec.loads)  # ids or names; empty: all
    status = fields.CharField(max_length=16, default="active")  # active, disabled
    disabled_reason = fields.CharField(max_length=300, null=True)
    description = fields.CharField(max_length=500, null=True)
    secret = fields.TextField()  # whsec_..., sealed with a key derived from BASALT_SECRET_KEY
    previous_secret = fields.TextField(null=True)  # still signed with until previous_secret_until
    previous_secret_until = fields.DatetimeField(null=True)
    created_by = fields.CharField(max_length=40, null=True)

    class Meta:
        table = "webhook_endpoints"


class WebhookCursor(Model):
    # How far the dispatcher has turned a tenant's event log into webhook messages. One row per
    # tenant with endpoints; a dispatcher holds its row lock while it fans a batch out.
    tenant_id = fields.CharField(max_length=40, primary_key=True)
    last_seq = fields.BigIntField(default=0)

    class Meta:
        table = "webhook_cursors"


class WebhookMessage(Model):
    # One event for one endpoint. Its id is the webhook-id header, the same on every attempt.
    # status: pending (due at next_attempt_at), delivered, dead (in the DLQ), discarded, cancelled.
    id = fields.CharField(max_length=40, primary_key=True)
    tenant_id = fields.CharField(max_length=40)
    endpoint_id = fields.CharField(max_length=40)
    event_type = fields.CharField(max_length=100)
    event_seq = fields.BigIntField(null=True)  # the event's public id; NULL for tests and replays
    payload = fields.JSONField(encoder=jsoncodec.dumps, decoder=jsoncodec.loads)
    status = fields.CharField(max_length=16, default="pending")
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField()
    claimed_by = fields.CharField(max_length=60, null=True)
    lease_until = fields.DatetimeField(null=True)
    last_status_code = fields.IntField(null=True)
    last_error = fields.CharField(max_length=500, null=True)
    created_at = fields.DatetimeField()
    finished_at = fields.DatetimeField(null=True)

    class Meta:
        table = "webhook_messages"
        indexes = (("status", "next_attempt_at"), ("tenant_id", "status", "created_at"), ("tenant_id", "endpoint_id", "status"))


class WebhookAttempt(Model):
    # One HTTP request to an endpoint (a delivery in the API): what it answered and how long it took.
    id = fields.CharField(max_length=40, primary_key=True)
    tenant_id = fields.CharField(max_length=40)
    message_id = fields.CharField(max_length=40)
    endpoint_id = fields.CharField(max_length=40)
    event_type = fields.CharField(max_length=100)
    attempt = fields.IntField()
    status_code = fields.IntField(null=True)
    succeeded = fields.BooleanField()
    duration_ms = fields.IntField()
    response_excerpt = fields.CharField(max_length=1000, null=True)
    error = fields.CharField(max_length=500, null=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "webhook_attempts"
        indexes = (("tenant_id", "created_at"), ("message_id",))
