"""Mailed links on the hosted portal (Portal Auth group): `/v1/auth/portal-forgot-password`,
`portal-reset-password`, `portal-magic-link`, `portal-magic-link-verify` and `portal-verify-email`.

They are public: no Authorization header is ever sent here. The requests name the tenant in the
body (it must exist and be active); the link routes find the tenant through the token, so a link
whose tenant was suspended after the mail went out is refused without being spent. Every mail is
read back from the real SMTP server of the test run (`outbox`), to a unique address per test.
"""

from __future__ import annotations

import uuid
from email.message import EmailMessage
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import pytest

from resolvers.tenants.service import set_status
from tests.mailbox import Outbox, link_in, token_in
from tests.rest_compat.test_mfa_routes import mfa_user
from tests.support import Api, TenantHandle, data, error_code

PASSWORD = "long enough"
NEW_PASSWORD = "a brand new password"


def new_address() -> str:
    return f"portal-{uuid.uuid4().hex[:12]}@example.com"


async def portal(api: Api, route: str, body: dict[str, Any]) -> httpx.Response:
    """A portal call, with no Authorization header at all."""
    response = await api.rest("POST", f"/v1/auth/portal-{route}", json=body)
    assert "authorization" not in {name.lower() for name in response.request.headers}
    return response


async def portal_sign_up(api: Api, tenant: TenantHandle, address: str) -> dict[str, Any]:
    return data(await portal(api, "signup", {"tenant_id": tenant.tenant_id, "email": address, "password": PASSWORD}), 201)


async def portal_log_in(api: Api, tenant: TenantHandle, address: str, password: str) -> httpx.Response:
    return await portal(api, "login", {"tenant_id": tenant.tenant_id, "email": address, "password": password})


async def mailed(outbox: Outbox, address: str, purpose: str, *, count: int) -> EmailMessage:
    """The mail of `purpose` (its link's type) among the first `count` mails to `address`, whatever
    order the workers sent them in."""
    await outbox.latest(address, count=count)
    found = [m for m in outbox.mailbox.to(address) if parse_qs(urlparse(link_in(m)).query)["type"] == [purpose]]
    assert len(found) == 1, [m["Subject"] for m in outbox.mailbox.to(address)]
    return found[0]


def refused(response: httpx.Response, status: int, code: str) -> bool:
    assert (response.status_code, error_code(response)) == (status, code), response.text
    return True


# --- asking for a mail -------------------------------------------------------------------------


async def test_forgot_password_answers_alike_for_known_and_unknown_addresses_and_mails_only_the_account(
    api: Api, tenant: TenantHandle, outbox: Outbox
) -> None:
    known, unknown = new_address(), new_address()
    await portal_sign_up(api, tenant, known)

    for_known = data(await portal(api, "forgot-password", {"tenant_id": tenant.tenant_id, "email": known.upper()}))
    for_unknown = data(await portal(api, "forgot-password", {"tenant_id": tenant.tenant_id, "email": unknown}))
    assert for_known == for_unknown and set(for_known) == {"message"} and for_known["message"]

    mail = await mailed(outbox, known, "recovery", count=2)  # and the signup's verification mail
    assert "Reset your" in mail["Subject"]
    assert outbox.mailbox.to(unknown) == []


async def test_forgot_password_links_to_an_allowed_redirect_and_refuses_any_other(api: Api, tenant: TenantHandle, outbox: Outbox) -> None:
    address = new_address()
    await portal_sign_up(api, tenant, address)
    data(await api.rest("POST", "/v1/auth-config", tenant.token, json={"redirect_allow_list": ["https://app.example.com/reset"]}))

    asked = {"tenant_id": tenant.tenant_id, "email": address, "redirect_to": "https://app.example.com/reset"}
    data(await portal(api, "forgot-password", asked))
    assert link_in(await mailed(outbox, address, "recovery", count=2)).startswith("https://app.example.com/reset?token=")

    elsewhere = await portal(api, "forgot-password", {**asked, "redirect_to": "https://evil.example.net/steal"})
    assert refused(elsewhere, 400, "VALIDATION_ERROR")
    assert elsewhere.json()["error"]["details"][0]["field"] == "redirect_to"


@pytest.mark.parametrize("route", ["forgot-password", "magic-link"])
@pytest.mark.parametrize(("tenant_id", "status", "code"), [(None, 400, "VALIDATION_ERROR"), ("tn_doesnotexist00", 404, "NOT_FOUND")])
async def test_mail_requests_need_an_existing_tenant(api: Api, route: str, tenant_id: str | None, status: int, code: str) -> None:
    body = {"email": new_address(), **({"tenant_id": tenant_id} if tenant_id else {})}
    assert refused(await portal(api, route, body), status, code)


@pytest.mark.parametrize("route", ["forgot-password", "magic-link"])
async def test_a_suspended_tenant_refuses_mail_requests(api: Api, tenant: TenantHandle, route: str) -> None:
    address = new_address()
    await portal_sign_up(api, tenant, address)
    await set_status(tenant.tenant_id, "suspended")
    answer = await portal(api, route, {"tenant_id": tenant.tenant_id, "email": address})
    assert refused(answer, 403, "TENANT_SUSPENDED")


# --- using a link ------------------------------------------------------------------------------


async def test_reset_password_sets_the_new_password_and_ends_every_session(api: Api, tenant: TenantHandle, outbox: Outbox) -> None:
    address = new_address()
    signed = await portal_sign_up(api, tenant, address)
    other_device = data(await portal_log_in(api, tenant, address, PASSWORD))
    data(await portal(api, "forgot-password", {"tenant_id": tenant.tenant_id, "email": address}))
    token = token_in(await mailed(outbox, address, "recovery", count=2))

    too_short = await portal(api, "reset-password", {"token": token, "password": "short"})
    assert refused(too_short, 400, "VALIDATION_ERROR")  # and the link stays usable
    reset = data(await portal(api, "reset-password", {"token": token, "password": NEW_PASSWORD}))
    assert set(reset) == {"message"} and reset["message"]

    for session in (signed, other_device):
        again = await api.rest("POST", "/v1/auth/refresh", tenant.token, json={"refresh_token": session["refresh_token"]})
        assert again.status_code == 401
        assert (await api.rest("GET", "/v1/auth/user", session["access_token"])).status_code == 401
    assert refused(await portal_log_in(api, tenant, address, PASSWORD), 401, "UNAUTHORIZED")
    logged = data(await portal_log_in(api, tenant, address, NEW_PASSWORD))
    assert logged["user"]["id"] == signed["user"]["id"]
    assert data(await api.rest("GET", "/v1/auth/user", logged["access_token"]))["email_verified"] is True  # the mail reached them

    replay = await portal(api, "reset-password", {"token": token, "password": "yet another password"})
    assert refused(replay, 400, "INVALID_TOKEN")


async def test_magic_link_signs_up_a_new_address_then_signs_it_in(api: Api, tenant: TenantHandle, outbox: Outbox) -> None:
    address = new_address()
    data(await portal(api, "magic-link", {"tenant_id": tenant.tenant_id, "email": address}))
    first = await outbox.latest(address)
    assert "sign-in link" in first["Subject"] and "type=magiclink" in link_in(first)

    session = data(await portal(api, "magic-link-verify", {"token": token_in(first)}))
    assert session["mfa_required"] is False and session["token_type"] == "bearer" and session["refresh_token"].startswith("rt_")
    assert session["user"]["email"] == address and session["user"]["email_verified"] is True
    me = data(await api.rest("GET", "/v1/auth/user", session["access_token"]))
    assert me["id"] == session["user"]["id"]
    assert refused(await portal(api, "magic-link-verify", {"token": token_in(first)}), 400, "INVALID_TOKEN")

    data(await portal(api, "magic-link", {"tenant_id": tenant.tenant_id, "email": address}))
    second = await outbox.latest(address, count=2)  # asked for after the first was sent
    again = data(await portal(api, "magic-link-verify", {"token": token_in(second)}))
    assert again["user"]["id"] == session["user"]["id"]


async def test_magic_link_to_an_account_with_mfa_answers_a_ticket(api: Api, tenant: TenantHandle, outbox: Outbox) -> None:
    address = new_address()
    user = await mfa_user(api, tenant, address)
    data(await portal(api, "magic-link", {"tenant_id": tenant.tenant_id, "email": address}))
    answer = data(await portal(api, "magic-link-verify", {"token": token_in(await mailed(outbox, address, "magiclink", count=2))}))
    assert answer["mfa_required"] is True and answer["mfa_ticket"].startswith("mfat_")
    assert answer.get("access_token") is None and [f["id"] for f in answer["factors"]] == [user.factor_id]


async def test_verify_email_confirms_the_signup_address_once(api: Api, tenant: TenantHandle, outbox: Outbox) -> None:
    address = new_address()
    signed = await portal_sign_up(api, tenant, address)
    assert data(await api.rest("GET", "/v1/auth/user", signed["access_token"]))["email_verified"] is False
    mail = await outbox.latest(address)
    assert "Confirm your email" in mail["Subject"] and "type=signup" in link_in(mail)

    verified = data(await portal(api, "verify-email", {"token": token_in(mail)}))
    assert set(verified) == {"message"} and verified["message"]
    assert data(await api.rest("GET", "/v1/auth/user", signed["access_token"]))["email_verified"] is True
    assert refused(await portal(api, "verify-email", {"token": token_in(mail)}), 400, "INVALID_TOKEN")


async def test_a_link_whose_tenant_was_suspended_after_the_mail_went_out_is_refused_unspent(
    api: Api, tenant: TenantHandle, outbox: Outbox
) -> None:
    address = new_address()
    signed = await portal_sign_up(api, tenant, address)
    for route in ("forgot-password", "magic-link"):
        data(await portal(api, route, {"tenant_id": tenant.tenant_id, "email": address}))
    verification, recovery, magic = [token_in(await mailed(outbox, address, purpose, count=3)) for purpose in ("signup", "recovery", "magiclink")]

    await set_status(tenant.tenant_id, "suspended")
    uses = [("verify-email", {"token": verification}), ("reset-password", {"token": recovery, "password": NEW_PASSWORD}),
            ("magic-link-verify", {"token": magic})]
    for route, body in uses:
        assert refused(await portal(api, route, body), 403, "TENANT_SUSPENDED"), route

    await set_status(tenant.tenant_id, "active")
    for route, body in uses:
        data(await portal(api, route, body))
    assert data(await portal_log_in(api, tenant, address, NEW_PASSWORD))["user"]["id"] == signed["user"]["id"]


async def test_the_public_link_routes_still_validate_their_token(api: Api, tenant: TenantHandle, outbox: Outbox) -> None:
    address = new_address()
    await portal_sign_up(api, tenant, address)
    verification = token_in(await outbox.latest(address))
    uses = {"verify-email": {}, "reset-password": {"password": NEW_PASSWORD}, "magic-link-verify": {}}

    for route, extra in uses.items():
        assert refused(await portal(api, route, {"token": "not-a-real-token", **extra}), 400, "INVALID_TOKEN"), route
        assert refused(await portal(api, route, extra), 400, "VALIDATION_ERROR"), route
    for route in ("reset-password", "magic-link-verify"):  # a link only works for what it was mailed for
        assert refused(await portal(api, route, {"token": verification, **uses[route]}), 400, "INVALID_TOKEN"), route
    data(await portal(api, "verify-email", {"token": verification}))
