"""Billing settings and the Stripe events we act on."""

from __future__ import annotations

from dataclasses import dataclass, field

SIGNATURE_TOLERANCE_SECONDS = 300
HANDLED = ("checkout.session.completed", "customer.subscription.updated", "customer.subscription.deleted")
LIVE_SUBSCRIPTION = ("active", "trialing", "past_due")  # past_due keeps the plan while Stripe retries the payment
FREE_PLAN = "free"


@dataclass(frozen=True)
class StripeSettings:
    webhook_secret: str | None = None  # whsec_... of the endpoint in the Stripe dashboard
    price_plans: dict[str, str] = field(default_factory=dict)  # Stripe price id -> plan tier
