"""No-code custom endpoints: an HTTP route of a tenant that runs an action pipeline; every
invocation recorded."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from models import jsoncodec
from models.base import TenantOwnedModel


class CustomEndpoint(TenantOwnedModel):
    id = fields.CharField(max_length=40, primary_key=True)
    name = fields.CharField(max_length=200)
    path = fields.CharField(max_length=500)  # /customers/:customer_id/summary
    # The path with its parameter names dropped (/customers/:/summary): two endpoints with the same
    # method and shape would answer the same URLs, so the pair is unique.
    shape = fields.CharField(max_length=500)
    method = fields.CharField(max_length=8)
    auth_required = fields.BooleanField(default=True)
    condition = fields.TextField(null=True)
    actions = fields.JSONField(default=list, encoder=jsoncodec.dumps, decoder=jsoncodec.loads)
    response_template = fields.JSONField(null=True, encoder=jsoncodec.dumps, decoder=jsoncodec.loads)
    enabled = fields.BooleanField(default=True)
    created_by = fields.CharField(max_length=40, null=True)

    class Meta:
        table = "custom_endpoints"
        unique_together = (("tenant_id", "method", "shape"),)


class EndpointExecution(Model):
    # outcome: succeeded, failed (an action failed or the response could not be made), refused
    # (no credentials, or the condition did not hold)
    id = fields.CharField(max_length=40, primary_key=True)
    tenant_id = fields.CharField(max_length=40)
    endpoint_id = fields.CharField(max_length=40)
    method = fields.CharField(max_length=8)
    path = fields.CharField(max_length=2000)
    status_code = fields.IntField()
    outcome = fields.CharField(max_length=16)
    duration_ms = fields.IntField()
    actions = fields.JSONField(default=list, encoder=jsoncodec.dumps, decoder=jsoncodec.loads)  # per action: type, status, duration_ms, error
    error_code = fields.CharField(max_length=60, null=True)
    error = fields.TextField(null=True)
    request_id = fields.CharField(max_length=80, null=True)
    principal_kind = fields.CharField(max_length=16, null=True)
    actor = fields.CharField(max_length=40, null=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "custom_endpoint_executions"
        indexes = (("tenant_id", "endpoint_id", "created_at"), ("created_at",))
