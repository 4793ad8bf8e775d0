"""Stripe webhooks (`POST /webhooks/stripe`, public, signed): a checkout or a subscription change
sets the tenant's plan. Each event id is handled once (a duplicate answers 200 and changes nothing),
in the same transaction as its effect, so a failure lets Stripe's retry do it again.

Which tenant: `client_reference_id` or `metadata.tenant_id` of the checkout session; for
subscriptions `metadata.tenant_id` or the customer the checkout linked. Which plan:
`metadata.plan`, else the price id through BASALT_STRIPE_PRICE_PLANS, else the price's
`lookup_key` when it names a plan.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

from tortoise.exceptions import IntegrityError

from models.billing import StripeEvent
from models.tenants import Tenant
from resolvers import db
from resolvers.billing import signature
from resolvers.billing.schemas import FREE_PLAN, HANDLED, LIVE_SUBSCRIPTION, StripeSettings
from resolvers.errors import ServiceUnavailable, ValidationError
from resolvers.tenants.schemas import PLAN_LIMITS


async def handle_event(payload: str, stripe_signature: str | None, *, settings: StripeSettings) -> dict[str, Any]:
    if not settings.webhook_secret:
        raise ServiceUnavailable("Stripe webhooks are not configured (BASALT_STRIPE_WEBHOOK_SECRET)")
    signature.verify(payload, stripe_signature, settings.webhook_secret)
    event = _event(payload)
    try:
        await StripeEvent.create(id=event["id"], type=event["type"], received_at=datetime.now(timezone.utc))
    except IntegrityError as exc:
        if db.is_unique_violation(exc):
            return {"received": True, "duplicate": True, "handled": False}
        raise
    if event["type"] not in HANDLED:
        return {"received": True, "duplicate": False, "handled": False}
    obj = event.get("data", {}).get("object") or {}
    tenant = await (_checkout(obj, settings) if event["type"] == "checkout.session.completed" else _subscription(event["type"], obj, settings))
    if tenant is not None:
        await StripeEvent.filter(id=event["id"]).update(tenant_id=tenant.id)
    return {"received": True, "duplicate": False, "handled": tenant is not None}


async def _checkout(session: dict[str, Any], settings: StripeSettings) -> Tenant | None:
    metadata = session.get("metadata") or {}
    tenant = await _tenant(session.get("client_reference_id") or metadata.get("tenant_id"), None)
    if tenant is None:
        return None
    tenant.stripe_customer_id = _text(session.get("customer")) or tenant.stripe_customer_id
    tenant.stripe_subscription_id = _text(session.get("subscription")) or tenant.stripe_subscription_id
    plan = _plan(metadata, None, settings)
    if plan is not None:
        tenant.plan_tier = plan
    await tenant.save(update_fields=["stripe_customer_id", "stripe_subscription_id", "plan_tier", "updated_at"])
    return tenant


async def _subscription(kind: str, subscription: dict[str, Any], settings: StripeSettings) -> Tenant | None:
    metadata = subscription.get("metadata") or {}
    tenant = await _tenant(metadata.get("tenant_id"), _text(subscription.get("customer")))
    if tenant is None:
        return None
    if kind == "customer.subscription.deleted" or subscription.get("status") not in LIVE_SUBSCRIPTION:
        tenant.plan_tier, tenant.stripe_subscription_id = FREE_PLAN, None
    else:
        tenant.plan_tier = _plan(metadata, _price(subscription), settings) or tenant.plan_tier
        tenant.stripe_subscription_id = _text(subscription.get("id")) or tenant.stripe_subscription_id
    await tenant.save(update_fields=["plan_tier", "stripe_subscription_id", "updated_at"])
    return tenant


async def _tenant(tenant_id: Any, customer_id: str | None) -> Tenant | None:
    if isinstance(tenant_id, str) and tenant_id:
        return await Tenant.get_or_none(id=tenant_id)
    if customer_id:
        return await Tenant.filter(stripe_customer_id=customer_id).first()
    return None


def _plan(metadata: dict[str, Any], price: dict[str, Any] | None, settings: StripeSettings) -> str | None:
    candidates = [metadata.get("plan")]
    if price is not None:
        candidates += [settings.price_plans.get(str(price.get("id"))), price.get("lookup_key")]
    return next((c for c in candidates if isinstance(c, str) and c in PLAN_LIMITS), None)


def _price(subscription: dict[str, Any]) -> dict[str, Any] | None:
    items = (subscription.get("items") or {}).get("data") or []
    price = items[0].get("price") if items and isinstance(items[0], dict) else None
    return price if isinstance(price, dict) else None


def _event(payload: str) -> dict[str, Any]:
    try:
        event = json.loads(payload)
    except json.JSONDecodeError:
        raise ValidationError.single("body", "must be a Stripe event (JSON)") from None
    if not isinstance(event, dict) or not isinstance(event.get("id"), str) or not isinstance(event.get("type"), str):
        raise ValidationError.single("body", "must be a Stripe event with id and type")
    return event


def _text(value: Any) -> str | None:
    if isinstance(value, dict):  # an expanded object
        value = value.get("id")
    return value if isinstance(value, str) and value else None
