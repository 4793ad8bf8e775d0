"""Sign-in with texted codes: the messages go to a local HTTP server speaking the Twilio request
shape, as a real provider would receive them."""

from __future__ import annotations

import asyncio
import base64
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import pytest
from starlette.applications import Starlette

from resolvers.sms.service import HttpSms
from tests.conftest import free_port
from tests.support import Api, TenantHandle, data, error_code

PHONE = "+14155552671"


class Provider:
    """A Twilio-shaped messages endpoint: records (auth, To, From, Body); answers `status`."""

    def __init__(self) -> None:
        self.messages: list[dict[str, str]] = []
        self.status = 201
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (the http.server API)
                length = int(self.headers.get("Content-Length", 0))
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                auth = base64.b64decode(self.headers.get("Authorization", "Basic ").split(" ", 1)[1] or b"").decode()
                provider.messages.append({**form, "auth": auth, "path": self.path})
                self.send_response(provider.status)
                self.end_headers()
                self.wfile.write(b'{"sid": "SM1"}')

            def log_message(self, *args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/2010-04-01/Accounts/AC1/Messages.json"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def code_for(self, phone: str) -> str:
        body = [m for m in self.messages if m["To"] == phone][-1]["Body"]
        found = re.search(r"\b(\d{6})\b", body)
        assert found, body
        return found.group(1)


@pytest.fixture
def provider(app: Starlette) -> Iterator[Provider]:
    runtime = app.state.runtime
    made = Provider()
    original, runtime.sms = runtime.sms, HttpSms(made.url, account="AC1", token="secret", sender="+15005550006")
    yield made
    runtime.sms = original
    made.server.shutdown()


async def send(api: Api, tenant: TenantHandle, phone: str = PHONE) -> Any:
    return await api.rest("POST", "/v1/auth/otp/send", tenant.token, json={"phone": phone})


async def verify(api: Api, tenant: TenantHandle, code: str, phone: str = PHONE) -> Any:
    return await api.rest("POST", "/v1/auth/otp/verify", tenant.token, json={"phone": phone, "code": code})


async def test_a_texted_code_signs_in_and_creates_a_phone_only_account(api: Api, tenant: TenantHandle, provider: Provider) -> None:
    sent = data(await send(api, tenant, "+1 (415) 555-2671"))
    assert "code" in sent["message"]
    (message,) = provider.messages
    assert (message["To"], message["From"], message["auth"]) == (PHONE, "+15005550006", "AC1:secret")
    assert message["path"] == "/2010-04-01/Accounts/AC1/Messages.json"

    signed = data(await verify(api, tenant, provider.code_for(PHONE)))
    assert signed["mfa_required"] is False and signed["user"]["phone"] == PHONE and signed["user"]["email"] is None
    assert data(await api.rest("GET", "/v1/auth/user", signed["access_token"]))["id"] == signed["user"]["id"]

    data(await send(api, tenant))
    again = data(await verify(api, tenant, provider.code_for(PHONE)))
    assert again["user"]["id"] == signed["user"]["id"]  # the same account the second time


async def test_a_code_works_once_and_only_the_newest_is_live(api: Api, tenant: TenantHandle, provider: Provider) -> None:
    data(await send(api, tenant))
    first = provider.code_for(PHONE)
    data(await send(api, tenant))
    second = provider.code_for(PHONE)
    if first != second:
        stale = await verify(api, tenant, first)
        assert stale.status_code == 400 and error_code(stale) == "INVALID_OTP"
    data(await verify(api, tenant, second))
    replay = await verify(api, tenant, second)
    assert replay.status_code == 400 and error_code(replay) == "INVALID_OTP"


async def test_five_wrong_tries_spend_the_code_even_when_sent_at_once(api: Api, tenant: TenantHandle, provider: Provider) -> None:
    data(await send(api, tenant))
    right = provider.code_for(PHONE)
    wrong = [f"{n:06d}" for n in range(20) if f"{n:06d}" != right][:12]
    answers = await asyncio.gather(*(verify(api, tenant, code) for code in wrong))
    assert all(a.status_code == 400 and error_code(a) == "INVALID_OTP" for a in answers)
    late = await verify(api, tenant, right)
    assert late.status_code == 400 and error_code(late) == "INVALID_OTP"


async def test_sending_is_limited_per_number(api: Api, tenant: TenantHandle, provider: Provider) -> None:
    for _ in range(5):
        data(await send(api, tenant, "+14155550100"))
    limited = await send(api, tenant, "+14155550100")
    assert limited.status_code == 429 and error_code(limited) == "RATE_LIMITED" and limited.headers["Retry-After"]
    assert len([m for m in provider.messages if m["To"] == "+14155550100"]) == 5


async def test_bad_numbers_and_a_failing_provider(api: Api, tenant: TenantHandle, provider: Provider) -> None:
    for phone in ("12", "not a phone", None):
        refused = await api.rest("POST", "/v1/auth/otp/send", tenant.token, json={"phone": phone})
        assert refused.status_code == 400 and error_code(refused) == "VALIDATION_ERROR"
    provider.status = 500
    failed = await send(api, tenant, "+14155550101")
    assert failed.status_code == 503 and error_code(failed) == "SERVICE_UNAVAILABLE"
    provider.status = 201
    assert (await verify(api, tenant, "123456", "+14155550101")).status_code == 400  # the failed send left no live code


async def test_turned_off_phone_sign_in_and_no_bearer(api: Api, tenant: TenantHandle, provider: Provider) -> None:
    assert (await api.rest("POST", "/v1/auth/otp/send", json={"phone": PHONE})).status_code == 401
    await api.rest("POST", "/v1/auth-config", tenant.token, json={"providers": {"phone": {"enabled": False}}})
    refused = await send(api, tenant)
    assert refused.status_code == 403 and error_code(refused) == "PROVIDER_DISABLED" and provider.messages == []


async def test_the_portal_pair_names_the_tenant_in_the_body(api: Api, tenant: TenantHandle, provider: Provider) -> None:
    data(await api.rest("POST", "/v1/auth/portal-otp-send", json={"tenant_id": tenant.tenant_id, "phone": PHONE}))
    signed = data(await api.rest("POST", "/v1/auth/portal-otp-verify", json={"tenant_id": tenant.tenant_id, "phone": PHONE, "code": provider.code_for(PHONE)}))
    assert signed["user"]["phone"] == PHONE
    result = await api.gql('mutation { sendOtp(phone: "+14155550102") { message } }', tenant.token)
    assert "code" in result["data"]["sendOtp"]["message"]
    code = provider.code_for("+14155550102")
    verified = await api.gql('mutation($c: String!) { verifyOtp(phone: "+14155550102", code: $c) { mfaRequired user { phone } } }', tenant.token, c=code)
    assert verified["data"]["verifyOtp"] == {"mfaRequired": False, "user": {"phone": "+14155550102"}}


async def test_a_typed_in_number_never_lets_the_codes_holder_into_that_account(api: Api, tenant: TenantHandle, provider: Provider) -> None:
    """Someone puts another person's number on their own account: the number's owner signing in
    by text gets an account of their own, not that one; a texted code is what verifies a number."""
    squatter = data(await api.rest("POST", "/v1/auth/signup", tenant.token, json={"email": "sq@example.com", "password": "long enough"}), 201)
    claimed = data(await api.rest("PATCH", "/v1/auth/user", squatter["access_token"], json={"phone": PHONE}))
    assert (claimed["phone"], claimed["phone_verified"]) == (PHONE, False)

    data(await send(api, tenant))
    owner = data(await verify(api, tenant, provider.code_for(PHONE)))
    assert owner["user"]["id"] != squatter["user"]["id"] and owner["user"]["phone_verified"] is True

    data(await send(api, tenant))
    again = data(await verify(api, tenant, provider.code_for(PHONE)))
    assert again["user"]["id"] == owner["user"]["id"]  # the verified one from now on
    moved = data(await api.rest("PATCH", "/v1/auth/user", again["access_token"], json={"phone": "+14155550109"}))
    assert moved["phone_verified"] is False  # a new number is proven again by a code
