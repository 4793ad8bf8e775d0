"""Row-level access policies per object type and action."""

from __future__ import annotations

from tortoise import fields

from models import jsoncodec
from models.base import TenantOwnedModel


class AccessPolicy(TenantOwnedModel):
    id = fields.CharField(max_length=40, primary_key=True)
    object_type_id = fields.CharField(max_length=40)
    name = fields.CharField(max_length=200)
    action = fields.CharField(max_length=8)  # select | insert | update | delete
    role = fields.CharField(max_length=63, null=True)  # the role it applies to; NULL: every principal
    condition_json = fields.JSONField(default=dict, encoder=jsoncodec.dumps, decoder=jsoncodec.loads)  # the list filter language + $auth.*
    enabled = fields.BooleanField(default=True)

    class Meta:
        table = "access_policies"
        indexes = (("tenant_id", "object_type_id", "action"),)
