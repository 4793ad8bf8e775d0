"""The mailed-link mutations over GraphQL (`POST /graphql`): verifyEmail, requestPasswordReset and
resetPassword, sendMagicLink and verifyMagicLink for apps (bearer: the app's API key), and the
hosted portal's portalForgotPassword, portalResetPassword, portalMagicLink, portalVerifyMagicLink
and portalVerifyEmail (no bearer), with the error codes GraphQL answers in `extensions.code`.

The tokens come from mails read back from the real SMTP server of the test run (`outbox`), sent to
a unique address per test.
"""

from __future__ import annotations

import uuid
from email.message import EmailMessage
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from resolvers.tenants.service import set_status
from tests.mailbox import Outbox, link_in, token_in
from tests.support import Api, TenantHandle, gql_code

PASSWORD = "correct horse battery"
NEW_PASSWORD = "a brand new password"
LOGIN = "mfaRequired accessToken refreshToken tokenType expiresIn mfaTicket user { id email emailVerified }"

SIGN_UP = "mutation($e: String!, $p: String!) { signUp(email: $e, password: $p) { accessToken refreshToken user { id emailVerified } } }"
LOG_IN = f"mutation($e: String!, $p: String!) {{ logIn(email: $e, password: $p) {{ {LOGIN} }} }}"
REFRESH = "mutation($r: String!) { refreshSession(refreshToken: $r) { accessToken } }"
ME = "{ currentUser { id email emailVerified } }"

VERIFY_EMAIL = "mutation($t: String!, $type: String) { verifyEmail(token: $t, type: $type) { verified } }"
REQUEST_RESET = "mutation($e: String!, $r: String) { requestPasswordReset(email: $e, redirectTo: $r) { message } }"
RESET = "mutation($t: String!, $p: String!) { resetPassword(token: $t, password: $p) { passwordReset } }"
SEND_MAGIC = "mutation($e: String!) { sendMagicLink(email: $e) { message } }"
VERIFY_MAGIC = f"mutation($t: String!) {{ verifyMagicLink(token: $t) {{ {LOGIN} }} }}"

PORTAL_SIGN_UP = (
    "mutation($tn: String!, $e: String!, $p: String!) { portalSignUp(tenantId: $tn, email: $e, password: $p) { accessToken refreshToken user { id } } }"
)
PORTAL_LOG_IN = f"mutation($tn: String!, $e: String!, $p: String!) {{ portalLogIn(tenantId: $tn, email: $e, password: $p) {{ {LOGIN} }} }}"
PORTAL_FORGOT = "mutation($tn: String!, $e: String!) { portalForgotPassword(tenantId: $tn, email: $e) { message } }"
PORTAL_RESET = "mutation($t: String!, $p: String!) { portalResetPassword(token: $t, password: $p) { message } }"
PORTAL_MAGIC = "mutation($tn: String!, $e: String!) { portalMagicLink(tenantId: $tn, email: $e) { message } }"
PORTAL_VERIFY_MAGIC = f"mutation($t: String!) {{ portalVerifyMagicLink(token: $t) {{ {LOGIN} }} }}"
PORTAL_VERIFY_EMAIL = "mutation($t: String!) { portalVerifyEmail(token: $t) { message } }"


def new_address() -> str:
    return f"gql-{uuid.uuid4().hex[:12]}@example.com"


def answer(result: dict[str, Any], field: str) -> Any:
    assert not result.get("errors"), result
    return result["data"][field]


async def sign_up(api: Api, tenant: TenantHandle, address: str) -> dict[str, Any]:
    return answer(await api.gql(SIGN_UP, tenant.token, e=address, p=PASSWORD), "signUp")


async def mailed(outbox: Outbox, address: str, purpose: str, *, count: int) -> EmailMessage:
    """The mail of `purpose` (its link's type) among the first `count` mails to `address`."""
    await outbox.latest(address, count=count)
    found = [m for m in outbox.mailbox.to(address) if parse_qs(urlparse(link_in(m)).query)["type"] == [purpose]]
    assert len(found) == 1, [m["Subject"] for m in outbox.mailbox.to(address)]
    return found[0]


async def email_verified(api: Api, access_token: str) -> bool:
    return answer(await api.gql(ME, access_token), "currentUser")["emailVerified"]


# --- app mutations (bearer) --------------------------------------------------------------------


async def test_sign_up_then_verify_email_confirms_the_address_once(api: Api, tenant: TenantHandle, outbox: Outbox) -> None:
    address = new_address()
    signed = await sign_up(api, tenant, address)
    assert signed["user"]["emailVerified"] is False and await email_verified(api, signed["accessToken"]) is False
    token = token_in(await mailed(outbox, address, "signup", count=1))

    assert gql_code(await api.gql(VERIFY_EMAIL, tenant.token, t=token, type="sideways")) == "VALIDATION_ERROR"
    assert gql_code(await api.gql(VERIFY_EMAIL, tenant.token, t=token, type="email_change")) == "INVALID_TOKEN"
    assert answer(await api.gql(VERIFY_EMAIL, tenant.token, t=token, type="signup"), "verifyEmail") == {"verified": True}
    assert await email_verified(api, signed["accessToken"]) is True
    assert gql_code(await api.gql(VERIFY_EMAIL, tenant.token, t=token, type="signup")) == "INVALID_TOKEN"


async def test_request_password_reset_then_reset_password_ends_every_session(api: Api, tenant: TenantHandle, outbox: Outbox) -> None:
    address, unknown = new_address(), new_address()
    signed = await sign_up(api, tenant, address)
    asked = answer(await api.gql(REQUEST_RESET, tenant.token, e=address), "requestPasswordReset")
    assert asked == answer(await api.gql(REQUEST_RESET, tenant.token, e=unknown), "requestPasswordReset") and asked["message"]
    token = token_in(await mailed(outbox, address, "recovery", count=2))

    assert gql_code(await api.gql(RESET, tenant.token, t=token, p="short")) == "VALIDATION_ERROR"
    assert answer(await api.gql(RESET, tenant.token, t=token, p=NEW_PASSWORD), "resetPassword") == {"passwordReset": True}
    assert gql_code(await api.gql(REFRESH, tenant.token, r=signed["refreshToken"])) == "UNAUTHORIZED"
    assert gql_code(await api.gql(ME, signed["accessToken"])) == "UNAUTHORIZED"
    assert gql_code(await api.gql(LOG_IN, tenant.token, e=address, p=PASSWORD)) == "UNAUTHORIZED"
    logged = answer(await api.gql(LOG_IN, tenant.token, e=address, p=NEW_PASSWORD), "logIn")
    assert logged["mfaRequired"] is False and logged["user"]["id"] == signed["user"]["id"]
    assert gql_code(await api.gql(RESET, tenant.token, t=token, p="yet another password")) == "INVALID_TOKEN"
    assert outbox.mailbox.to(unknown) == []


async def test_send_magic_link_then_verify_magic_link_signs_in(api: Api, tenant: TenantHandle, outbox: Outbox) -> None:
    address = new_address()
    asked = answer(await api.gql(SEND_MAGIC, tenant.token, e=address), "sendMagicLink")
    assert asked["message"]
    token = token_in(await mailed(outbox, address, "magiclink", count=1))

    result = answer(await api.gql(VERIFY_MAGIC, tenant.token, t=token), "verifyMagicLink")
    assert result["mfaRequired"] is False and result["mfaTicket"] is None and result["tokenType"] == "bearer"
    assert result["accessToken"] and result["refreshToken"].startswith("rt_") and result["expiresIn"] > 0
    assert result["user"]["email"] == address and result["user"]["emailVerified"] is True
    assert answer(await api.gql(ME, result["accessToken"]), "currentUser")["id"] == result["user"]["id"]
    assert gql_code(await api.gql(VERIFY_MAGIC, tenant.token, t=token)) == "INVALID_TOKEN"


async def test_another_tenants_link_is_an_invalid_token(api: Api, tenant: TenantHandle, other_tenant: TenantHandle, outbox: Outbox) -> None:
    address = new_address()
    answer(await api.gql(SEND_MAGIC, tenant.token, e=address), "sendMagicLink")
    token = token_in(await mailed(outbox, address, "magiclink", count=1))
    assert gql_code(await api.gql(VERIFY_MAGIC, other_tenant.token, t=token)) == "INVALID_TOKEN"
    assert answer(await api.gql(VERIFY_MAGIC, tenant.token, t=token), "verifyMagicLink")["user"]["email"] == address


@pytest.mark.parametrize(
    ("query", "variables"),
    [
        (VERIFY_EMAIL, {"t": "not-a-real-token"}),
        (RESET, {"t": "not-a-real-token", "p": NEW_PASSWORD}),
        (VERIFY_MAGIC, {"t": "not-a-real-token"}),
        (PORTAL_VERIFY_EMAIL, {"t": "not-a-real-token"}),
        (PORTAL_RESET, {"t": "not-a-real-token", "p": NEW_PASSWORD}),
        (PORTAL_VERIFY_MAGIC, {"t": "not-a-real-token"}),
    ],
)
async def test_an_unknown_token_is_an_invalid_token(api: Api, tenant: TenantHandle, query: str, variables: dict[str, Any]) -> None:
    bearer = None if "portal" in query else tenant.token
    result = await api.gql(query, bearer, **variables)
    assert gql_code(result) == "INVALID_TOKEN" and result["data"] is None


@pytest.mark.parametrize(
    ("query", "variables"),
    [
        (REQUEST_RESET, {"e": "someone@example.com"}),
        (SEND_MAGIC, {"e": "someone@example.com"}),
        (VERIFY_EMAIL, {"t": "not-a-real-token"}),
        (RESET, {"t": "not-a-real-token", "p": NEW_PASSWORD}),
        (VERIFY_MAGIC, {"t": "not-a-real-token"}),
    ],
)
async def test_the_app_mutations_need_a_bearer(api: Api, query: str, variables: dict[str, Any]) -> None:
    assert gql_code(await api.gql(query, None, **variables)) == "UNAUTHORIZED"


async def test_a_link_sent_without_a_bearer_is_refused_before_it_is_spent(api: Api, tenant: TenantHandle, outbox: Outbox) -> None:
    address = new_address()
    signed = await sign_up(api, tenant, address)
    token = token_in(await mailed(outbox, address, "signup", count=1))
    assert gql_code(await api.gql(VERIFY_EMAIL, None, t=token)) == "UNAUTHORIZED"
    assert answer(await api.gql(VERIFY_EMAIL, tenant.token, t=token), "verifyEmail") == {"verified": True}
    assert await email_verified(api, signed["accessToken"]) is True


# --- portal mutations (no bearer) --------------------------------------------------------------


async def test_portal_forgot_and_reset_password_end_every_session(api: Api, tenant: TenantHandle, outbox: Outbox) -> None:
    address = new_address()
    signed = answer(await api.gql(PORTAL_SIGN_UP, tn=tenant.tenant_id, e=address, p=PASSWORD), "portalSignUp")
    asked = answer(await api.gql(PORTAL_FORGOT, tn=tenant.tenant_id, e=address), "portalForgotPassword")
    assert asked == answer(await api.gql(PORTAL_FORGOT, tn=tenant.tenant_id, e=new_address()), "portalForgotPassword")
    token = token_in(await mailed(outbox, address, "recovery", count=2))

    reset = answer(await api.gql(PORTAL_RESET, t=token, p=NEW_PASSWORD), "portalResetPassword")
    assert reset["message"]
    assert gql_code(await api.gql(REFRESH, tenant.token, r=signed["refreshToken"])) == "UNAUTHORIZED"
    assert gql_code(await api.gql(PORTAL_LOG_IN, tn=tenant.tenant_id, e=address, p=PASSWORD)) == "UNAUTHORIZED"
    logged = answer(await api.gql(PORTAL_LOG_IN, tn=tenant.tenant_id, e=address, p=NEW_PASSWORD), "portalLogIn")
    assert logged["mfaRequired"] is False and logged["user"]["id"] == signed["user"]["id"]
    assert gql_code(await api.gql(PORTAL_RESET, t=token, p="yet another password")) == "INVALID_TOKEN"


async def test_portal_magic_link_signs_in_without_a_bearer(api: Api, tenant: TenantHandle, outbox: Outbox) -> None:
    address = new_address()
    assert answer(await api.gql(PORTAL_MAGIC, tn=tenant.tenant_id, e=address), "portalMagicLink")["message"]
    token = token_in(await mailed(outbox, address, "magiclink", count=1))

    result = answer(await api.gql(PORTAL_VERIFY_MAGIC, t=token), "portalVerifyMagicLink")
    assert result["mfaRequired"] is False and result["accessToken"] and result["user"]["email"] == address
    assert answer(await api.gql(ME, result["accessToken"]), "currentUser")["emailVerified"] is True
    assert gql_code(await api.gql(PORTAL_VERIFY_MAGIC, t=token)) == "INVALID_TOKEN"


async def test_portal_verify_email_confirms_a_portal_signup(api: Api, tenant: TenantHandle, outbox: Outbox) -> None:
    address = new_address()
    signed = answer(await api.gql(PORTAL_SIGN_UP, tn=tenant.tenant_id, e=address, p=PASSWORD), "portalSignUp")
    token = token_in(await mailed(outbox, address, "signup", count=1))
    assert answer(await api.gql(PORTAL_VERIFY_EMAIL, t=token), "portalVerifyEmail")["message"]
    assert await email_verified(api, signed["accessToken"]) is True
    assert gql_code(await api.gql(PORTAL_VERIFY_EMAIL, t=token)) == "INVALID_TOKEN"


async def test_portal_requests_need_an_existing_active_tenant(api: Api, tenant: TenantHandle) -> None:
    for query in (PORTAL_FORGOT, PORTAL_MAGIC):
        assert gql_code(await api.gql(query, tn="tn_doesnotexist00", e=new_address())) == "NOT_FOUND"
    await set_status(tenant.tenant_id, "suspended")
    for query in (PORTAL_FORGOT, PORTAL_MAGIC):
        assert gql_code(await api.gql(query, tn=tenant.tenant_id, e=new_address())) == "TENANT_SUSPENDED"


async def test_a_portal_link_of_a_tenant_suspended_since_the_mail_is_refused(api: Api, tenant: TenantHandle, outbox: Outbox) -> None:
    address = new_address()
    answer(await api.gql(PORTAL_MAGIC, tn=tenant.tenant_id, e=address), "portalMagicLink")
    token = token_in(await mailed(outbox, address, "magiclink", count=1))
    await set_status(tenant.tenant_id, "suspended")
    assert gql_code(await api.gql(PORTAL_VERIFY_MAGIC, t=token)) == "TENANT_SUSPENDED"
