"""Stripe webhooks (`POST /webhooks/stripe`): payloads signed with the official stripe library's
signing code; a checkout and subscription changes set the tenant's plan, once per event id."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import stripe
from starlette.applications import Starlette

from models.tenants import Tenant
from resolvers.billing.schemas import StripeSettings
from tests.support import Api, TenantHandle, data, error_code

SECRET = "whsec_test_" + "s" * 24


@pytest.fixture(autouse=True)
def stripe_settings(app: Starlette) -> Iterator[None]:
    runtime = app.state.runtime
    original, runtime.stripe = runtime.stripe, StripeSettings(webhook_secret=SECRET, price_plans={"price_pro": "pro"})
    yield
    runtime.stripe = original


def signed(event: dict[str, Any], *, secret: str = SECRET, at: int | None = None) -> tuple[str, dict[str, str]]:
    payload = json.dumps(event)
    timestamp = at if at is not None else int(time.time())
    signature = stripe.WebhookSignature._compute_signature(f"{timestamp}.{payload}", secret)
    header = f"t={timestamp},v1={signature}"
    stripe.Webhook.construct_event(payload, header, secret, tolerance=None)  # the official verifier agrees
    return payload, {"Stripe-Signature": header, "Content-Type": "application/json"}


def event(kind: str, obj: dict[str, Any]) -> dict[str, Any]:
    return {"id": f"evt_{uuid.uuid4().hex}", "object": "event", "type": kind, "data": {"object": obj}}


async def post(api: Api, body: dict[str, Any], **sign: Any) -> Any:
    payload, headers = signed(body, **sign)
    return await api.client.post("/webhooks/stripe", content=payload, headers=headers)


async def plan_of(tenant: TenantHandle) -> str:
    return (await Tenant.get(id=tenant.tenant_id)).plan_tier


async def test_checkout_then_subscription_changes_set_the_plan(api: Api, tenant: TenantHandle) -> None:
    customer = f"cus_{uuid.uuid4().hex[:12]}"
    checkout = event("checkout.session.completed", {
        "id": "cs_1", "client_reference_id": tenant.tenant_id, "customer": customer, "subscription": "sub_1", "metadata": {"plan": "pro"},
    })
    assert data(await post(api, checkout)) == {"received": True, "duplicate": False, "handled": True}
    assert await plan_of(tenant) == "pro"

    upgraded = event("customer.subscription.updated", {
        "id": "sub_1", "customer": customer, "status": "active", "metadata": {},
        "items": {"data": [{"price": {"id": "price_ent", "lookup_key": "enterprise"}}]},
    })
    data(await post(api, upgraded))
    assert await plan_of(tenant) == "enterprise"

    by_price = event("customer.subscription.updated", {
        "id": "sub_1", "customer": customer, "status": "active", "items": {"data": [{"price": {"id": "price_pro"}}]},
    })
    data(await post(api, by_price))
    assert await plan_of(tenant) == "pro"

    data(await post(api, event("customer.subscription.deleted", {"id": "sub_1", "customer": customer, "status": "canceled"})))
    assert await plan_of(tenant) == "free"


async def test_a_duplicate_event_id_changes_nothing(api: Api, tenant: TenantHandle) -> None:
    first = event("checkout.session.completed", {"client_reference_id": tenant.tenant_id, "metadata": {"plan": "pro"}})
    data(await post(api, first))
    await Tenant.filter(id=tenant.tenant_id).update(plan_tier="free")
    again = data(await post(api, first))
    assert again == {"received": True, "duplicate": True, "handled": False}
    assert await plan_of(tenant) == "free"


async def test_bad_signatures_are_refused(api: Api, tenant: TenantHandle) -> None:
    body = event("checkout.session.completed", {"client_reference_id": tenant.tenant_id, "metadata": {"plan": "pro"}})
    wrong_secret = await post(api, body, secret="whsec_other")
    assert wrong_secret.status_code == 400 and error_code(wrong_secret) == "INVALID_SIGNATURE"
    too_old = await post(api, body, at=int(time.time()) - 301)
    assert too_old.status_code == 400 and error_code(too_old) == "INVALID_SIGNATURE"
    payload, headers = signed(body)
    tampered = await api.client.post("/webhooks/stripe", content=payload.replace('"pro"', '"enterprise"'), headers=headers)
    assert tampered.status_code == 400 and error_code(tampered) == "INVALID_SIGNATURE"
    unsigned = await api.client.post("/webhooks/stripe", content=payload, headers={"Content-Type": "application/json"})
    assert unsigned.status_code == 400 and error_code(unsigned) == "INVALID_SIGNATURE"
    assert await plan_of(tenant) == "free"


async def test_other_events_and_unknown_tenants_are_received_but_not_handled(api: Api) -> None:
    assert data(await post(api, event("invoice.paid", {"id": "in_1"}))) == {"received": True, "duplicate": False, "handled": False}
    unknown = event("checkout.session.completed", {"client_reference_id": "tn_missing", "metadata": {"plan": "pro"}})
    assert data(await post(api, unknown))["handled"] is False


async def test_without_a_configured_secret_the_route_answers_503(api: Api, app: Starlette) -> None:
    app.state.runtime.stripe = StripeSettings()
    response = await post(api, event("invoice.paid", {}))
    assert response.status_code == 503 and error_code(response) == "SERVICE_UNAVAILABLE"
