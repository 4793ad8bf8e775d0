"""Mailed links over REST: verification, password reset, magic links and email changes, with the
mails read back from a real SMTP server.

Covered: signup verification; forgot/reset password (too-short passwords, the newest link spending
the older ones); magic links (signing up, MFA tickets, banned users, single use); email changes
(confirmed by the new address, noticed by the old one, conflicts); `redirect_to` against the
allow-list and `site_url`, and where links point by default; anti-enumeration; per-address and
per-IP rate limits; token scoping (tenant, type, expiry, missing or malformed arguments, no bearer);
custom mail templates; an anonymous user linking an address; and the email provider turned off.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
from starlette.applications import Starlette

from models.auth import EmailLink
from models.mail import MailMessage
from resolvers.auth.links import MAILS_PER_ADDRESS_PER_HOUR, SENT_MESSAGE
from resolvers.ids import sha256_hex
from tests.mailbox import LINK, Mailbox, Outbox, body_of, link_in, token_in
from tests.rest_compat.test_auth_routes import PASSWORD, log_in, sign_up
from tests.rest_compat.test_mfa_routes import complete, mfa_user
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


# --- helpers -------------------------------------------------------------------------------------


def assert_refused(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert error_code(response) == code, response.text


def refused_field(response: httpx.Response) -> str:
    """The field a 400 VALIDATION_ERROR names."""
    assert_refused(response, 400, "VALIDATION_ERROR")
    return response.json()["error"]["details"][0]["field"]


async def configure(api: Api, tenant: TenantHandle, **config: Any) -> dict[str, Any]:
    return data(await api.rest("POST", "/v1/auth-config", tenant.token, json=config))


async def ask(api: Api, tenant: TenantHandle, route: str, address: str, redirect_to: str | None = None) -> httpx.Response:
    """POST /v1/auth/<route> (forgot-password or magic-link) for `address`."""
    body: dict[str, Any] = {"email": address} if redirect_to is None else {"email": address, "redirect_to": redirect_to}
    return await api.rest("POST", f"/v1/auth/{route}", tenant.token, json=body)


def query_of(link: str) -> dict[str, str]:
    return {name: values[0] for name, values in parse_qs(urlparse(link).query).items()}


async def me(api: Api, access_token: str) -> dict[str, Any]:
    return data(await api.rest("GET", "/v1/auth/user", access_token))


async def verify(api: Api, tenant: TenantHandle, token: str, type: str | None = None) -> httpx.Response:
    body = {"token": token} if type is None else {"token": token, "type": type}
    return await api.rest("POST", "/v1/auth/verify", tenant.token, json=body)


async def reset(api: Api, tenant: TenantHandle, token: str, password: str) -> httpx.Response:
    return await api.rest("POST", "/v1/auth/reset-password", tenant.token, json={"token": token, "password": password})


async def mail_statuses(address: str) -> list[str]:
    """The outbox rows queued for `address`, oldest first (read to inspect, never written)."""
    rows = await MailMessage.filter(to_address=address).order_by("created_at").values_list("status", flat=True)
    return [str(status) for status in rows]


# --- email change --------------------------------------------------------------------------------


async def test_an_email_change_takes_effect_only_when_the_new_address_confirms_it(
    api: Api, tenant: TenantHandle, outbox: Outbox
) -> None:
    old, new = new_address(), new_address()
    signed = await sign_up(api, tenant, old)
    signup_token = token_in(await outbox.latest(old))

    patched = data(await api.rest("PATCH", "/v1/auth/user", signed["access_token"], json={"email": new.upper()}))
    assert patched["email"] == old
    assert (await me(api, signed["access_token"]))["email"] == old

    confirmation = await outbox.latest(new)
    assert "Confirm your new email" in confirmation["Subject"]
    assert query_of(link_in(confirmation))["type"] == "email_change"
    notice = await outbox.latest(old, count=2)
    assert "being changed" in notice["Subject"]
    assert new in body_of(notice) and LINK.search(body_of(notice)) is None  # a notice, nothing to click

    assert data(await verify(api, tenant, token_in(confirmation), "email_change")) == {"verified": True}
    now_me = await me(api, signed["access_token"])
    assert now_me["email"] == new and now_me["email_verified"] is True
    assert (await log_in(api, tenant, new, PASSWORD))["user"]["id"] == signed["user"]["id"]
    assert (await api.rest("POST", "/v1/auth/login", tenant.token, json={"email": old, "password": PASSWORD})).status_code == 401
    # the old address's verification link no longer matches the account
    assert_refused(await verify(api, tenant, signup_token, "signup"), 400, "INVALID_TOKEN")


async def test_changing_to_an_address_another_user_of_the_tenant_has_is_a_conflict(
    api: Api, tenant: TenantHandle, other_tenant: TenantHandle, outbox: Outbox
) -> None:
    mine, theirs, elsewhere = new_address(), new_address(), new_address()
    signed = await sign_up(api, tenant, mine)
    await sign_up(api, tenant, theirs)
    await sign_up(api, other_tenant, elsewhere)

    taken = await api.rest("PATCH", "/v1/auth/user", signed["access_token"], json={"email": theirs.upper()})
    assert_refused(taken, 409, "ALREADY_EXISTS")
    assert (await me(api, signed["access_token"]))["email"] == mine
    # an address used only in another tenant is free here
    assert data(await api.rest("PATCH", "/v1/auth/user", signed["access_token"], json={"email": elsewhere}))["email"] == mine

    await outbox.deliver()
    assert [m["Subject"] for m in outbox.mailbox.to(theirs)] == ["Confirm your email for Acme"]  # their own signup only
    subjects = sorted(str(m["Subject"]) for m in await outbox.mailbox.wait_for(elsewhere, count=2))
    assert subjects == ["Confirm your email for Other Co", "Confirm your new email for Acme"]


async def test_confirming_an_email_change_after_another_account_took_the_address_is_a_conflict(
    api: Api, tenant: TenantHandle, outbox: Outbox
) -> None:
    old, new = new_address(), new_address()
    signed = await sign_up(api, tenant, old)
    data(await api.rest("PATCH", "/v1/auth/user", signed["access_token"], json={"email": new}))
    token = token_in(await outbox.latest(new))

    await sign_up(api, tenant, new)  # someone signs up with the address meanwhile
    assert_refused(await verify(api, tenant, token, "email_change"), 409, "ALREADY_EXISTS")
    assert (await me(api, signed["access_token"]))["email"] == old



async def test_reset_links_mailed_to_the_previous_address_stop_working_once_the_email_changes(
    api: Api, tenant: TenantHandle, outbox: Outbox
) -> None:
    old, new = new_address(), new_address()
    signed = await sign_up(api, tenant, old)
    data(await ask(api, tenant, "forgot-password", old))
    stale = token_in(await outbox.latest(old, count=2))  # after the verification mail

    data(await api.rest("PATCH", "/v1/auth/user", signed["access_token"], json={"email": new}))
    data(await verify(api, tenant, token_in(await outbox.latest(new)), "email_change"))
    assert_refused(await reset(api, tenant, stale, "someone-elses-password"), 400, "INVALID_TOKEN")
    assert (await log_in(api, tenant, new, PASSWORD))["user"]["id"] == signed["user"]["id"]

# --- redirect_to ---------------------------------------------------------------------------------


async def test_a_redirect_outside_the_allow_list_is_refused_and_mails_nothing(
    api: Api, tenant: TenantHandle, outbox: Outbox
) -> None:
    address = new_address()
    for route in ("forgot-password", "magic-link"):
        for target in ("https://evil.example.net/steal", "javascript:alert(1)", "/relative/path"):
            assert refused_field(await ask(api, tenant, route, address, target)) == "redirect_to"
    await outbox.deliver()
    assert outbox.mailbox.to(address) == []


async def test_an_allow_listed_redirect_is_where_the_mailed_link_points(
    api: Api, tenant: TenantHandle, outbox: Outbox
) -> None:
    address = new_address()
    await sign_up(api, tenant, address)
    await configure(api, tenant, redirect_allow_list=["https://app.example.com/auth/*"])

    for refused in ("https://app.example.com.evil.net/auth/x", "https://app.example.com/other", "http://app.example.com/auth/x"):
        assert refused_field(await ask(api, tenant, "forgot-password", address, refused)) == "redirect_to"

    assert data(await ask(api, tenant, "forgot-password", address, "https://app.example.com/auth/reset"))["message"] == SENT_MESSAGE
    link = link_in(await outbox.latest(address, count=2))
    assert link.startswith("https://app.example.com/auth/reset?token=")
    assert query_of(link)["type"] == "recovery"
    assert data(await reset(api, tenant, query_of(link)["token"], "new-password-123")) == {"password_reset": True}

    data(await ask(api, tenant, "magic-link", address, "https://app.example.com/auth/callback?next=%2Fhome"))
    link = link_in(await outbox.latest(address, count=3))
    assert link.startswith("https://app.example.com/auth/callback?next=%2Fhome&token=")
    assert query_of(link)["next"] == "/home" and query_of(link)["type"] == "magiclink"



async def test_a_redirect_with_a_fragment_gets_the_token_in_its_query(api: Api, tenant: TenantHandle, outbox: Outbox) -> None:
    address = new_address()
    await configure(api, tenant, redirect_allow_list=["https://app.example.com/auth/*"])
    data(await ask(api, tenant, "magic-link", address, "https://app.example.com/auth/callback#signed-in"))
    link = link_in(await outbox.latest(address))
    assert link.startswith("https://app.example.com/auth/callback?") and link.endswith("#signed-in")
    assert set(query_of(link)) == {"token", "type"} and query_of(link)["type"] == "magiclink"


async def test_site_url_admits_redirects_below_it_and_is_where_links_point_by_default(
    api: Api, tenant: TenantHandle, outbox: Outbox
) -> None:
    address = new_address()
    site = "https://site.example.org/app"
    assert refused_field(await ask(api, tenant, "magic-link", address, f"{site}/welcome")) == "redirect_to"
    await configure(api, tenant, site_url=site)

    data(await ask(api, tenant, "magic-link", address, f"{site}/welcome"))
    assert link_in(await outbox.latest(address)).startswith(f"{site}/welcome?token=")
    data(await ask(api, tenant, "magic-link", address, site))  # the site itself, not only below it
    assert refused_field(await ask(api, tenant, "magic-link", address, "https://site.example.org/elsewhere")) == "redirect_to"

    data(await ask(api, tenant, "magic-link", address))
    link = link_in(await outbox.latest(address, count=2))
    assert link.startswith(f"{site}?token=") and query_of(link)["type"] == "magiclink"


async def test_without_site_url_links_point_to_the_servers_confirm_page(
    api: Api, app: Starlette, tenant: TenantHandle, outbox: Outbox
) -> None:
    address = new_address()
    data(await ask(api, tenant, "magic-link", address))
    link = link_in(await outbox.latest(address))
    assert link.startswith(app.state.runtime.public_url + "/auth/confirm?token=")

    page = await api.client.get("/auth/confirm?" + urlparse(link).query)
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    # opening the page spends nothing (mail scanners open links): the token still signs in
    signed = data(await api.rest("POST", "/v1/auth/magic-link/verify", tenant.token, json={"token": query_of(link)["token"]}))
    assert signed["user"]["email"] == address


# --- anti-enumeration ----------------------------------------------------------------------------


async def test_forgot_password_answers_the_same_for_an_unknown_address_and_mails_nothing(
    api: Api, tenant: TenantHandle, outbox: Outbox
) -> None:
    known, unknown = new_address(), new_address()
    await sign_up(api, tenant, known)

    for_known = await ask(api, tenant, "forgot-password", known)
    for_unknown = await ask(api, tenant, "forgot-password", unknown)
    assert for_known.status_code == for_unknown.status_code == 200
    assert data(for_known) == data(for_unknown) == {"message": SENT_MESSAGE}

    await outbox.deliver()
    assert "Reset your" in (await outbox.mailbox.wait_for(known, count=2))[1]["Subject"]
    assert outbox.mailbox.to(unknown) == []
    assert await mail_statuses(unknown) == ["skipped"]  # queued like any other, dropped when composed


# --- rate limits ---------------------------------------------------------------------------------


async def test_more_than_five_reset_mails_an_hour_for_one_address_are_refused_with_retry_after(
    api: Api, tenant: TenantHandle
) -> None:
    address, other = new_address(), new_address()
    for _ in range(MAILS_PER_ADDRESS_PER_HOUR):
        data(await ask(api, tenant, "forgot-password", address))
    limited = await ask(api, tenant, "forgot-password", address.upper())
    assert_refused(limited, 429, "RATE_LIMITED")
    assert 0 < int(limited.headers["Retry-After"]) <= 3600
    # the limit is per address and per kind of mail
    data(await ask(api, tenant, "forgot-password", other))
    data(await ask(api, tenant, "magic-link", address))


async def test_more_than_five_magic_links_an_hour_for_one_address_are_refused_with_retry_after(
    api: Api, tenant: TenantHandle
) -> None:
    address = new_address()
    for _ in range(MAILS_PER_ADDRESS_PER_HOUR):
        data(await ask(api, tenant, "magic-link", address))
    limited = await ask(api, tenant, "magic-link", address)
    assert_refused(limited, 429, "RATE_LIMITED")
    assert 0 < int(limited.headers["Retry-After"]) <= 3600


async def test_mail_requests_from_one_ip_are_limited_across_addresses(api: Api, app: Starlette, tenant: TenantHandle) -> None:
    runtime = app.state.runtime
    saved = runtime.login_rate_limit
    runtime.login_rate_limit = 3
    try:
        for route in ("magic-link", "forgot-password", "magic-link"):
            data(await ask(api, tenant, route, new_address()))
        limited = await ask(api, tenant, "forgot-password", new_address())
        assert_refused(limited, 429, "RATE_LIMITED")
        assert 0 < int(limited.headers["Retry-After"]) <= 60
    finally:
        runtime.login_rate_limit = saved


# --- tokens --------------------------------------------------------------------------------------


async def test_a_link_of_one_tenant_is_invalid_with_another_tenants_key(
    api: Api, tenant: TenantHandle, other_tenant: TenantHandle, outbox: Outbox
) -> None:
    address = new_address()
    signed = await sign_up(api, tenant, address)
    token = token_in(await outbox.latest(address))

    assert_refused(await verify(api, other_tenant, token, "signup"), 400, "INVALID_TOKEN")
    assert data(await verify(api, tenant, token, "signup")) == {"verified": True}
    assert (await me(api, signed["access_token"]))["email_verified"] is True


async def test_an_expired_link_is_invalid(api: Api, tenant: TenantHandle, outbox: Outbox) -> None:
    address = new_address()
    await sign_up(api, tenant, address)
    data(await ask(api, tenant, "forgot-password", address))
    token = token_in(await outbox.latest(address, count=2))

    changed = await EmailLink.filter(token_hash=sha256_hex(token)).update(expires_at=datetime.now(timezone.utc) - timedelta(seconds=1))
    assert changed == 1
    assert_refused(await reset(api, tenant, token, "new-password-123"), 400, "INVALID_TOKEN")
    assert (await log_in(api, tenant, address, PASSWORD))["access_token"]  # the password stayed


async def test_a_link_is_only_accepted_for_its_own_type_and_wrong_arguments_spend_nothing(
    api: Api, tenant: TenantHandle, outbox: Outbox
) -> None:
    address = new_address()
    signed = await sign_up(api, tenant, address)
    token = token_in(await outbox.latest(address))

    assert_refused(await verify(api, tenant, token, "email_change"), 400, "INVALID_TOKEN")
    assert_refused(await reset(api, tenant, token, "new-password-123"), 400, "INVALID_TOKEN")
    assert_refused(await api.rest("POST", "/v1/auth/magic-link/verify", tenant.token, json={"token": token}), 400, "INVALID_TOKEN")
    assert refused_field(await verify(api, tenant, token, "bogus")) == "type"
    assert (await api.rest("POST", "/v1/auth/verify", tenant.token, json={"type": "signup"})).status_code == 400
    assert (await api.rest("GET", "/v1/auth/verify", tenant.token, params={"type": "signup"})).status_code == 400
    assert refused_field(await verify(api, tenant, "", "signup")) == "token"

    verified = await api.rest("GET", "/v1/auth/verify", tenant.token, params={"token": token, "type": "signup"})
    assert data(verified) == {"verified": True}
    assert (await me(api, signed["access_token"]))["email_verified"] is True
    again = await api.rest("GET", "/v1/auth/verify", tenant.token, params={"token": token, "type": "signup"})
    assert_refused(again, 400, "INVALID_TOKEN")


async def test_the_link_routes_need_a_bearer(api: Api) -> None:
    calls = [
        ("POST", "/v1/auth/forgot-password", {"json": {"email": new_address()}}),
        ("POST", "/v1/auth/reset-password", {"json": {"token": "x" * 43, "password": "new-password-123"}}),
        ("POST", "/v1/auth/magic-link", {"json": {"email": new_address()}}),
        ("POST", "/v1/auth/magic-link/verify", {"json": {"token": "x" * 43}}),
        ("POST", "/v1/auth/verify", {"json": {"token": "x" * 43, "type": "signup"}}),
        ("GET", "/v1/auth/verify", {"params": {"token": "x" * 43, "type": "signup"}}),
    ]
    for method, path, kwargs in calls:
        response = await api.rest(method, path, **kwargs)
        assert response.status_code == 401, (path, response.text)
        assert response.json()["success"] is False


# --- password reset ------------------------------------------------------------------------------


async def test_a_too_short_password_leaves_the_reset_link_usable(api: Api, tenant: TenantHandle, outbox: Outbox) -> None:
    address = new_address()
    await sign_up(api, tenant, address)
    data(await ask(api, tenant, "forgot-password", address))
    token = token_in(await outbox.latest(address, count=2))

    assert refused_field(await reset(api, tenant, token, "short")) == "password"
    assert data(await reset(api, tenant, token, "a-good-new-password")) == {"password_reset": True}
    assert (await log_in(api, tenant, address, "a-good-new-password"))["access_token"]


async def test_a_reset_with_the_newest_link_spends_the_older_ones(api: Api, tenant: TenantHandle, outbox: Outbox) -> None:
    address = new_address()
    await sign_up(api, tenant, address)
    data(await ask(api, tenant, "forgot-password", address))
    first = token_in(await outbox.latest(address, count=2))
    data(await ask(api, tenant, "forgot-password", address))
    second = token_in(await outbox.latest(address, count=3))
    assert first != second

    assert data(await reset(api, tenant, second, "second-password-1")) == {"password_reset": True}
    assert_refused(await reset(api, tenant, first, "first-password-1"), 400, "INVALID_TOKEN")
    assert (await log_in(api, tenant, address, "second-password-1"))["access_token"]


# --- magic links ---------------------------------------------------------------------------------


async def test_a_magic_link_to_a_user_with_totp_answers_an_mfa_ticket(api: Api, tenant: TenantHandle, outbox: Outbox) -> None:
    address = new_address()
    user = await mfa_user(api, tenant, address)
    data(await ask(api, tenant, "magic-link", address))
    token = token_in(await outbox.latest(address, count=2))  # after the verification mail

    answer = data(await api.rest("POST", "/v1/auth/magic-link/verify", tenant.token, json={"token": token}))
    assert answer["mfa_required"] is True and answer["access_token"] is None
    assert answer["mfa_ticket"].startswith("mfat_")
    assert [f["id"] for f in answer["factors"]] == [user.factor_id]

    session = data(await complete(api, answer["mfa_ticket"], user.factor_id, user.authenticator.code()))
    assert (await me(api, session["access_token"]))["id"] == user.id


async def test_a_banned_user_gets_no_magic_link_or_reset_mail_and_cannot_use_an_older_link(
    api: Api, tenant: TenantHandle, outbox: Outbox
) -> None:
    address = new_address()
    signed = await sign_up(api, tenant, address)
    data(await ask(api, tenant, "magic-link", address))
    earlier = token_in(await outbox.latest(address, count=2))  # after the verification mail

    banned = await api.rest("PATCH", f"/v1/users/{signed['user']['id']}", tenant.token, json={"banned": True, "ban_reason": "spam"})
    assert data(banned)["id"] == signed["user"]["id"]
    assert data(await ask(api, tenant, "magic-link", address)) == {"message": SENT_MESSAGE}
    assert data(await ask(api, tenant, "forgot-password", address)) == {"message": SENT_MESSAGE}
    await outbox.deliver()
    assert len(outbox.mailbox.to(address)) == 2
    assert (await mail_statuses(address))[-2:] == ["skipped", "skipped"]

    used = await api.rest("POST", "/v1/auth/magic-link/verify", tenant.token, json={"token": earlier})
    assert_refused(used, 403, "USER_BANNED")


async def test_a_magic_link_works_once(api: Api, tenant: TenantHandle, outbox: Outbox) -> None:
    address = new_address()
    data(await ask(api, tenant, "magic-link", address))
    token = token_in(await outbox.latest(address))
    first = data(await api.rest("POST", "/v1/auth/magic-link/verify", tenant.token, json={"token": token}))
    assert first["access_token"]
    second = await api.rest("POST", "/v1/auth/magic-link/verify", tenant.token, json={"token": token})
    assert_refused(second, 400, "INVALID_TOKEN")


# --- templates -----------------------------------------------------------------------------------


async def test_a_custom_reset_template_sets_the_mails_subject_and_body(api: Api, tenant: TenantHandle, outbox: Outbox) -> None:
    address = new_address()
    await sign_up(api, tenant, address)
    template = {"subject": "Reset for {{ app_name }}", "body": "Go: {{ link }} ({{ expires_minutes }} min)"}
    configured = await configure(api, tenant, email_templates={"reset_password": template})
    assert configured["email_templates"]["reset_password"] == template

    data(await ask(api, tenant, "forgot-password", address))
    mail = await outbox.latest(address, count=2)
    assert mail["Subject"] == "Reset for Acme"
    body = body_of(mail).strip()
    assert body.startswith("Go: http") and body.endswith("(60 min)")
    assert data(await reset(api, tenant, token_in(mail), "new-password-123")) == {"password_reset": True}

    data(await ask(api, tenant, "magic-link", address))  # other mails keep the default wording
    assert "sign-in link" in (await outbox.latest(address, count=3))["Subject"]


async def test_a_template_with_an_unknown_placeholder_is_refused(api: Api, tenant: TenantHandle) -> None:
    bad = {"reset_password": {"subject": "Reset", "body": "Your password is {{ password }}"}}
    response = await api.rest("POST", "/v1/auth-config", tenant.token, json={"email_templates": bad})
    assert refused_field(response) == "email_templates.reset_password.body"
    assert "password" in response.json()["error"]["details"][0]["message"]
    stored = data(await api.rest("GET", "/v1/auth-config", tenant.token))
    assert stored["email_templates"]["reset_password"] == {"subject": None, "body": None}


# --- anonymous users -----------------------------------------------------------------------------


async def test_an_anonymous_user_linking_an_address_gets_a_verification_mail_that_verifies_it(
    api: Api, tenant: TenantHandle, outbox: Outbox
) -> None:
    address = new_address()
    anonymous = data(await api.rest("POST", "/v1/auth/anonymous", tenant.token))
    assert anonymous["user"]["is_anonymous"] is True

    linked = data(await api.rest("PATCH", "/v1/auth/user", anonymous["access_token"], json={"email": address, "password": PASSWORD}))
    assert linked["email"] == address and linked["is_anonymous"] is False and linked["email_verified"] is False

    mail = await outbox.latest(address)
    assert "Confirm your email" in mail["Subject"] and query_of(link_in(mail))["type"] == "signup"
    assert data(await verify(api, tenant, token_in(mail))) == {"verified": True}
    assert (await me(api, anonymous["access_token"]))["email_verified"] is True
    assert (await log_in(api, tenant, address, PASSWORD))["user"]["id"] == anonymous["user"]["id"]


# --- provider disabled ---------------------------------------------------------------------------


async def test_with_the_email_provider_off_reset_and_magic_links_are_refused(
    api: Api, tenant: TenantHandle, outbox: Outbox, mailbox: Mailbox
) -> None:
    address = new_address()
    data(await ask(api, tenant, "magic-link", address))
    earlier = token_in(await outbox.latest(address))

    await configure(api, tenant, providers={"email": {"enabled": False}})
    for route in ("forgot-password", "magic-link"):
        assert_refused(await ask(api, tenant, route, address), 403, "PROVIDER_DISABLED")
    used = await api.rest("POST", "/v1/auth/magic-link/verify", tenant.token, json={"token": earlier})
    assert_refused(used, 403, "PROVIDER_DISABLED")
    await outbox.deliver()
    assert len(mailbox.to(address)) == 1

