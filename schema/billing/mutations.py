"""Billing: Stripe's signed webhooks (public; the signature is the credential)."""

from __future__ import annotations

from typing import Optional

import strawberry
from strawberry.types import Info

from resolvers.billing import service


@strawberry.type(description="What became of a Stripe event.")
class StripeReceipt:
    received: bool
    duplicate: bool
    handled: bool


@strawberry.type
class BillingMutations:
    @strawberry.mutation(description="Handle a Stripe webhook: the raw payload and its Stripe-Signature header (no bearer).")
    async def handle_stripe_event(self, info: Info, payload: str, stripe_signature: Optional[str] = None) -> StripeReceipt:
        return StripeReceipt(**await service.handle_event(payload, stripe_signature, settings=info.context.runtime.stripe))
