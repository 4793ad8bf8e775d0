"""Mailed links over REST: verification, password reset, magic links and email changes, with the
mails read back from a real SMTP server."""

from __future__ import annotations

import uuid

from tests.mailbox import Outbox, body_of, link_in, token_in
from tests.rest_compat.test_auth_routes import log_in, sign_up
from tests.support import Api, TenantHandle, data, error_code


def new_address() -> str:
    return f"user-{uuid.uuid4().hex[:12]}@example.com"


async def test_signup_mails_a_verification_link_that_verifies_the_address_once(api: Api, tenant: TenantHandle, outbox: Outbox) -> None:
    address = new_address()
    signed = await sign_up(api, tenant, address)
    assert data(await api.rest("GET", "/v1/auth/user", signed["access_token"]))["email_verified"] is False

    mail = await outbox.latest(address)
    assert "Confirm your email" in mail["Subject"]
    assert "type=signup" in link_in(mail)
    token = token_in(mail)

    verified = data(await api.rest("POST", "/v1/auth/verify", tenant.token, json={"token": token, "type": "signup"}))
    assert verified == {"verified": True}
    me = data(await api.rest("GET", "/v1/auth/user", signed["access_token"]))
    assert me["email_verified"] is True

    again = await api.rest("POST", "/v1/auth/verify", tenant.token, json={"token": token})
    assert again.status_code == 400 and error_code(again) == "INVALID_TOKEN"


async def test_forgot_and_reset_password_end_every_session(api: Api, tenant: TenantHandle, outbox: Outbox) -> None:
    address = new_address()
    signed = await sign_up(api, tenant, address)
    asked = data(await api.rest("POST", "/v1/auth/forgot-password", tenant.token, json={"email": address.upper()}))
    assert asked["message"]
    token = token_in(await outbox.latest(address, count=2))  # after the verification mail

    reset = await api.rest("POST", "/v1/auth/reset-password", tenant.token, json={"token": token, "password": "new-password-123"})
    assert data(reset) == {"password_reset": True}
    refused = await api.rest("POST", "/v1/auth/refresh", tenant.token, json={"refresh_token": signed["refresh_token"]})
    assert refused.status_code == 401
    assert (await api.rest("GET", "/v1/auth/user", signed["access_token"])).status_code == 401
    assert (await log_in(api, tenant, address, "new-password-123"))["access_token"]
    replay = await api.rest("POST", "/v1/auth/reset-password", tenant.token, json={"token": token, "password": "another-password-1"})
    assert replay.status_code == 400 and error_code(replay) == "INVALID_TOKEN"


async def test_magic_link_signs_in_and_signs_up(api: Api, tenant: TenantHandle, outbox: Outbox) -> None:
    address = new_address()
    data(await api.rest("POST", "/v1/auth/magic-link", tenant.token, json={"email": address}))
    mail = await outbox.latest(address)
    assert "sign-in link" in mail["Subject"]
    session = data(await api.rest("POST", "/v1/auth/magic-link/verify", tenant.token, json={"token": token_in(mail)}))
    assert session["user"]["email"] == address and session["token_type"] == "bearer"
    me = data(await api.rest("GET", "/v1/auth/user", session["access_token"]))
    assert me["email_verified"] is True
    assert "15 minutes" in body_of(mail)
