"""Plugins a tenant installed: an extension the operator shipped (extensions/<name>/), enabled
for the tenant with its own config."""

from __future__ import annotations

from tortoise import fields

from models import jsoncodec
from models.base import TenantOwnedModel


class Plugin(TenantOwnedModel):
    id = fields.CharField(max_length=40, primary_key=True)
    name = fields.CharField(max_length=100)  # the extension's directory name
    version = fields.CharField(max_length=40, null=True)
    manifest_json = fields.JSONField(default=dict, encoder=jsoncodec.dumps, decoder=jsoncodec.loads)
    config_json = fields.JSONField(default=dict, encoder=jsoncodec.dumps, decoder=jsoncodec.loads)
    enabled = fields.BooleanField(default=True)
    created_by = fields.CharField(max_length=40, null=True)

    class Meta:
        table = "plugins"
        unique_together = (("tenant_id", "name"),)
