"""Billing: the Stripe events already handled (Stripe delivers at least once)."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class StripeEvent(Model):
    id = fields.CharField(max_length=80, primary_key=True)  # Stripe's evt_...
    type = fields.CharField(max_length=100)
    tenant_id = fields.CharField(max_length=40, null=True)
    received_at = fields.DatetimeField()

    class Meta:
        table = "stripe_events"
