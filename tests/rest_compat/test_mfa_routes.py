"""MFA with TOTP (the MFA group, `GET /v1/users/:user_id/mfa`, and `logIn` answering a LoginResult):
enrolment, verification with recovery codes, the MFA ticket a password login answers, completing
it with a code or a recovery code, the lockout after five wrong codes, the server-side challenge,
factor lists, unenrolment (a verified factor needs an aal2 session), over REST and GraphQL.

Every TOTP code comes from pyotp, an implementation independent of `resolvers/auth/totp.py`. The
server accepts one 30-second step either side of now and each step once per factor, so a test gets
a second valid code without waiting by using the next step (see `Authenticator`).
"""

from __future__ import annotations

import asyncio
import re
import time
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx
import pyotp
import pytest
from starlette.applications import Starlette

from resolvers import db
from resolvers.auth import totp
from resolvers.ids import sha256_hex
from resolvers.runtime import Runtime
from resolvers.auth.mfa import MAX_FAILURES
from tests.support import Api, TenantHandle, data, error_code, gql_code

PASSWORD = "correct horse battery"
RECOVERY_CODE = re.compile(r"^[0-9a-f]{5}-[0-9a-f]{5}$")


class Authenticator:
    """A phone's authenticator app (pyotp) that never hands out a step the server already saw:
    the first code is the current step's, the next one the following step's, and so on while
    they stay inside the server's window (now ± one step)."""

    def __init__(self, secret: str) -> None:
        self.totp = pyotp.TOTP(secret)
        self.used_step: int | None = None

    def code(self) -> str:
        current = int(time.time() // 30)
        step = current if self.used_step is None else max(current, self.used_step + 1)
        assert step <= current + 1, "no unused code inside the window yet; the test asks for too many"
        self.used_step = step
        return self.totp.at(step * 30)

    def wrong_code(self) -> str:
        """Six digits that are no step's code anywhere near now."""
        now = time.time()
        valid = {self.totp.at(now + 30 * k) for k in range(-3, 4)}
        return next(f"{n:06d}" for n in range(1_000_000) if f"{n:06d}" not in valid)


class MfaUser:
    """A signed-up user with the session of the signup (its access token) and, once enrolled, a factor."""

    def __init__(self, email: str, signed: dict[str, Any]) -> None:
        self.email = email
        self.token: str = signed["access_token"]
        self.id: str = signed["user"]["id"]
        self.factor_id = ""
        self.app: Authenticator | None = None
        self.recovery_codes: list[str] = []

    @property
    def authenticator(self) -> Authenticator:
        assert self.app is not None
        return self.app


async def sign_up(api: Api, tenant: TenantHandle, email: str = "jane@example.com") -> MfaUser:
    signed = data(await api.rest("POST", "/v1/auth/signup", tenant.token, json={"email": email, "password": PASSWORD}), 201)
    return MfaUser(email, signed)


async def enroll(api: Api, token: str, friendly_name: str | None = None) -> dict[str, Any]:
    return data(await api.rest("POST", "/v1/auth/mfa/enroll", token, json={"friendly_name": friendly_name}), 201)


async def verify(api: Api, token: str, factor_id: str, code: str) -> httpx.Response:
    return await api.rest("POST", "/v1/auth/mfa/verify", token, json={"factor_id": factor_id, "code": code})


async def mfa_user(api: Api, tenant: TenantHandle, email: str = "jane@example.com", friendly_name: str | None = "phone") -> MfaUser:
    """A user with one verified factor (its first code used), holding its recovery codes."""
    user = await sign_up(api, tenant, email)
    enrolled = await enroll(api, user.token, friendly_name)
    user.factor_id, user.app = enrolled["factor_id"], Authenticator(enrolled["totp"]["secret"])
    verified = data(await verify(api, user.token, user.factor_id, user.authenticator.code()))
    user.recovery_codes = verified["recovery_codes"]
    return user


async def log_in(api: Api, tenant: TenantHandle, email: str = "jane@example.com") -> dict[str, Any]:
    return data(await api.rest("POST", "/v1/auth/login", tenant.token, json={"email": email, "password": PASSWORD}))


async def ticket_of(api: Api, tenant: TenantHandle, email: str = "jane@example.com") -> str:
    answer = await log_in(api, tenant, email)
    assert answer["mfa_required"] is True, answer
    return answer["mfa_ticket"]


async def complete(api: Api, ticket: Any, factor_id: Any, code: Any) -> httpx.Response:
    """No bearer: the ticket is the credential."""
    return await api.rest("POST", "/v1/auth/mfa/complete", json={"mfa_ticket": ticket, "factor_id": factor_id, "code": code})


async def recover(api: Api, ticket: Any, recovery_code: Any) -> httpx.Response:
    return await api.rest("POST", "/v1/auth/mfa/recover", json={"mfa_ticket": ticket, "recovery_code": recovery_code})


async def challenge(api: Api, token: str, **body: Any) -> httpx.Response:
    return await api.rest("POST", "/v1/auth/mfa/challenge", token, json=body)


async def factors(api: Api, token: str) -> list[dict[str, Any]]:
    return data(await api.rest("GET", "/v1/auth/mfa/factors", token))


async def current_user_id(api: Api, access_token: str) -> str:
    return data(await api.rest("GET", "/v1/auth/user", access_token))["id"]


def assert_refused(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert error_code(response) == code, response.text


async def expire_ticket(ticket: str) -> None:
    sql = db.Sql(db.dialect())
    past = datetime.now(timezone.utc) - timedelta(seconds=1)
    changed = await db.execute(
        f"UPDATE mfa_tickets SET expires_at = {sql.param(past)} WHERE ticket_hash = {sql.param(sha256_hex(ticket))}", sql.params
    )
    assert changed == 1


@pytest.fixture
def runtime(app: Starlette) -> Runtime:
    return app.state.runtime  # type: ignore[no-any-return]


async def end_lockout(runtime: Runtime, tenant_id: str, user_id: str) -> None:
    """As if the 15 minutes had passed: the lock and the failure window (opened at the first
    failure, so earlier) have both run out; they live in the rate limiter's counters."""
    limiter = runtime.rate_limiter
    assert (await limiter.peek(f"mfa-lock:{tenant_id}:{user_id}"))[0] == 1
    await limiter.reset(f"mfa-lock:{tenant_id}:{user_id}")
    await limiter.reset(f"mfa-failures:{tenant_id}:{user_id}")


async def lockout_state(runtime: Runtime, tenant_id: str, user_id: str) -> tuple[int, bool]:
    """(failures counted since the last correct code, locked?)."""
    limiter = runtime.rate_limiter
    failures, _ = await limiter.peek(f"mfa-failures:{tenant_id}:{user_id}")
    locked, _ = await limiter.peek(f"mfa-lock:{tenant_id}:{user_id}")
    return failures, bool(locked)


async def stored(sql_text: str, *values: Any) -> list[dict[str, Any]]:
    """Rows read with raw SQL; `{}` in the text stands for the next bound value."""
    sql = db.Sql(db.dialect())
    return await db.fetch(sql_text.format(*(sql.param(v) for v in values)), sql.params)


async def recovery_code_rows(user_id: str) -> int:
    sql = db.Sql(db.dialect())
    rows = await db.fetch(f"SELECT COUNT(*) AS n FROM mfa_recovery_codes WHERE user_id = {sql.param(user_id)}", sql.params)
    return int(rows[0]["n"])


# --- the TOTP implementation against pyotp --------------------------------------------------------


def test_the_servers_totp_codes_and_uri_agree_with_pyotp() -> None:
    secret = totp.new_secret()
    reference = pyotp.TOTP(secret)
    for step in (0, 1, 59_000_000, totp.current_step() - 1, totp.current_step(), totp.current_step() + 1):
        assert totp.code_at(secret, step) == reference.at(step * 30)
    now = time.time()
    assert totp.matching_step(secret, reference.at(now), after_step=None, now=now) == totp.current_step(now)

    parsed = pyotp.parse_uri(totp.provisioning_uri(secret, "jane@example.com", "Basalt"))
    assert isinstance(parsed, pyotp.TOTP)
    assert parsed.secret == secret and parsed.issuer == "Basalt" and parsed.digits == 6 and parsed.interval == 30


# --- enrol -----------------------------------------------------------------------------------------


async def test_enrolling_answers_a_base32_secret_and_an_otpauth_uri_that_pyotp_reads(api: Api, tenant: TenantHandle) -> None:
    user = await sign_up(api, tenant)
    enrolled = await enroll(api, user.token, "Work phone")

    assert enrolled["factor_id"].startswith("mfa_")
    assert enrolled["type"] == "totp" and enrolled["friendly_name"] == "Work phone"
    secret = enrolled["totp"]["secret"]
    assert re.fullmatch(r"[A-Z2-7]{32}", secret), secret  # 160 bits of base32
    uri = enrolled["totp"]["uri"]
    assert uri.startswith("otpauth://totp/") and enrolled["totp"]["qr_uri"] == uri

    parsed = pyotp.parse_uri(uri)
    assert isinstance(parsed, pyotp.TOTP)
    assert parsed.secret == secret and parsed.issuer == "Basalt"
    assert parsed.name.endswith("jane@example.com")
    assert parsed.digits == 6 and parsed.interval == 30

    [row] = await stored("SELECT secret, verified_at FROM mfa_factors WHERE id = {}", enrolled["factor_id"])
    assert secret not in row["secret"] and row["verified_at"] is None  # sealed at rest


async def test_an_api_key_cannot_enroll_a_factor(api: Api, tenant: TenantHandle) -> None:
    assert_refused(await api.rest("POST", "/v1/auth/mfa/enroll", tenant.token, json={}), 403, "FORBIDDEN")


async def test_a_friendly_name_over_100_characters_is_refused(api: Api, tenant: TenantHandle) -> None:
    user = await sign_up(api, tenant)
    long = await api.rest("POST", "/v1/auth/mfa/enroll", user.token, json={"friendly_name": "x" * 101})
    assert_refused(long, 400, "VALIDATION_ERROR")
    assert long.json()["error"]["details"][0]["field"] == "friendly_name"

    assert (await enroll(api, user.token, "x" * 100))["friendly_name"] == "x" * 100
    assert len(await factors(api, user.token)) == 1


async def test_the_eleventh_factor_of_a_user_is_refused_by_the_quota(api: Api, tenant: TenantHandle) -> None:
    user = await sign_up(api, tenant)
    for n in range(10):
        await enroll(api, user.token, f"device {n}")

    assert_refused(await api.rest("POST", "/v1/auth/mfa/enroll", user.token, json={}), 403, "QUOTA_EXCEEDED")
    assert len(await factors(api, user.token)) == 10


# --- verify ----------------------------------------------------------------------------------------


async def test_verifying_with_a_pyotp_code_answers_ten_recovery_codes_the_first_time(api: Api, tenant: TenantHandle) -> None:
    user = await sign_up(api, tenant)
    enrolled = await enroll(api, user.token, "phone")

    verified = data(await verify(api, user.token, enrolled["factor_id"], pyotp.TOTP(enrolled["totp"]["secret"]).now()))

    assert verified["verified"] is True and verified["factor_id"] == enrolled["factor_id"]
    codes = verified["recovery_codes"]
    assert len(codes) == 10 and len(set(codes)) == 10
    assert all(RECOVERY_CODE.match(code) for code in codes), codes

    hashes = {r["code_hash"] for r in await stored("SELECT code_hash FROM mfa_recovery_codes WHERE user_id = {}", user.id)}
    assert hashes == {sha256_hex(code.replace("-", "")) for code in codes}  # only digests are kept


async def test_verifying_a_second_factor_answers_no_recovery_codes(api: Api, tenant: TenantHandle) -> None:
    user = await mfa_user(api, tenant)
    second = await enroll(api, user.token, "tablet")

    verified = data(await verify(api, user.token, second["factor_id"], Authenticator(second["totp"]["secret"]).code()))

    assert verified["verified"] is True and verified["recovery_codes"] is None
    assert all(f["verified_at"] for f in await factors(api, user.token))


async def test_a_wrong_code_and_a_replayed_code_are_refused_by_verify(api: Api, tenant: TenantHandle) -> None:
    user = await sign_up(api, tenant)
    enrolled = await enroll(api, user.token)
    app = Authenticator(enrolled["totp"]["secret"])

    assert_refused(await verify(api, user.token, enrolled["factor_id"], app.wrong_code()), 400, "INVALID_MFA_CODE")
    assert (await factors(api, user.token))[0]["verified_at"] is None

    code = app.code()
    data(await verify(api, user.token, enrolled["factor_id"], code))
    assert_refused(await verify(api, user.token, enrolled["factor_id"], code), 400, "INVALID_MFA_CODE")
    assert data(await verify(api, user.token, enrolled["factor_id"], app.code()))["verified"] is True


async def test_verifying_an_unknown_factor_or_another_users_factor_is_not_found(api: Api, tenant: TenantHandle) -> None:
    jane = await sign_up(api, tenant, "jane@example.com")
    john = await sign_up(api, tenant, "john@example.com")
    johns = await enroll(api, john.token)
    code = pyotp.TOTP(johns["totp"]["secret"]).now()

    assert_refused(await verify(api, jane.token, "mfa_doesnotexist", code), 404, "NOT_FOUND")
    assert_refused(await verify(api, jane.token, johns["factor_id"], code), 404, "NOT_FOUND")
    assert (await factors(api, john.token))[0]["verified_at"] is None
    assert data(await verify(api, john.token, johns["factor_id"], code))["verified"] is True  # the code was not spent


# --- login -----------------------------------------------------------------------------------------


async def test_login_of_a_user_with_a_verified_factor_answers_a_ticket_instead_of_tokens(api: Api, tenant: TenantHandle) -> None:
    user = await mfa_user(api, tenant, friendly_name="phone")

    answer = await log_in(api, tenant)

    assert answer["mfa_required"] is True
    assert answer["mfa_ticket"].startswith("mfat_")
    assert not answer.get("access_token") and not answer.get("refresh_token") and not answer.get("user")
    assert [{k: f[k] for k in ("id", "type", "friendly_name")} for f in answer["factors"]] == [
        {"id": user.factor_id, "type": "totp", "friendly_name": "phone"}
    ]


async def test_a_user_with_only_an_unverified_factor_still_gets_tokens_at_login(api: Api, tenant: TenantHandle) -> None:
    user = await sign_up(api, tenant)
    await enroll(api, user.token)

    answer = await log_in(api, tenant)

    assert answer["mfa_required"] is False and not answer.get("mfa_ticket")
    assert await current_user_id(api, answer["access_token"]) == user.id


# --- complete --------------------------------------------------------------------------------------


async def test_completing_a_ticket_with_a_code_answers_tokens_that_work(api: Api, tenant: TenantHandle) -> None:
    user = await mfa_user(api, tenant)
    ticket = await ticket_of(api, tenant)

    tokens = data(await complete(api, ticket, user.factor_id, user.authenticator.code()))

    assert tokens["refresh_token"].startswith("rt_") and tokens["user"]["id"] == user.id
    assert await current_user_id(api, tokens["access_token"]) == user.id
    refreshed = await api.rest("POST", "/v1/auth/refresh", tenant.token, json={"refresh_token": tokens["refresh_token"]})
    assert data(refreshed)["refresh_token"].startswith("rt_")


async def test_a_ticket_works_once(api: Api, tenant: TenantHandle) -> None:
    user = await mfa_user(api, tenant)
    ticket = await ticket_of(api, tenant)
    data(await complete(api, ticket, user.factor_id, user.authenticator.code()))

    # the ticket is checked before the code, so the spent ticket is what is refused
    assert_refused(await complete(api, ticket, user.factor_id, user.authenticator.wrong_code()), 401, "UNAUTHORIZED")
    assert_refused(await recover(api, ticket, user.recovery_codes[0]), 401, "UNAUTHORIZED")
    assert (await log_in(api, tenant))["mfa_ticket"] != ticket


async def test_a_replayed_code_is_refused_by_complete_and_leaves_the_ticket_usable(api: Api, tenant: TenantHandle) -> None:
    user = await mfa_user(api, tenant)
    ticket = await ticket_of(api, tenant)
    assert user.authenticator.used_step is not None
    code_used_to_verify = user.authenticator.totp.at(user.authenticator.used_step * 30)

    assert_refused(await complete(api, ticket, user.factor_id, code_used_to_verify), 400, "INVALID_MFA_CODE")

    assert data(await complete(api, ticket, user.factor_id, user.authenticator.code()))["user"]["id"] == user.id


async def test_an_expired_ticket_is_refused(api: Api, tenant: TenantHandle) -> None:
    user = await mfa_user(api, tenant)
    ticket = await ticket_of(api, tenant)
    await expire_ticket(ticket)

    assert_refused(await complete(api, ticket, user.factor_id, user.authenticator.code()), 401, "UNAUTHORIZED")


async def test_a_garbage_ticket_is_refused(api: Api, tenant: TenantHandle) -> None:
    user = await mfa_user(api, tenant)
    code = user.authenticator.code()

    for garbage in ("mfat_" + "x" * 43, "not-a-ticket", "", "mfat_" + "x" * 200):
        assert_refused(await complete(api, garbage, user.factor_id, code), 401, "UNAUTHORIZED")
    assert_refused(await recover(api, "mfat_nope", user.recovery_codes[0]), 401, "UNAUTHORIZED")
    assert_refused(await complete(api, None, user.factor_id, code), 400, "VALIDATION_ERROR")  # a required argument

    # none of it spent the code or a recovery code
    ticket = await ticket_of(api, tenant)
    assert data(await complete(api, ticket, user.factor_id, code))["user"]["id"] == user.id


async def test_a_ticket_cannot_be_completed_with_an_unverified_factor(api: Api, tenant: TenantHandle) -> None:
    user = await mfa_user(api, tenant)
    pending = await enroll(api, user.token, "not yet")
    ticket = await ticket_of(api, tenant)

    response = await complete(api, ticket, pending["factor_id"], pyotp.TOTP(pending["totp"]["secret"]).now())
    assert_refused(response, 400, "VALIDATION_ERROR")
    assert response.json()["error"]["details"][0]["field"] == "factor_id"


# --- recover ---------------------------------------------------------------------------------------


async def test_a_recovery_code_completes_a_ticket_once(api: Api, tenant: TenantHandle) -> None:
    user = await mfa_user(api, tenant)
    code = user.recovery_codes[0]

    tokens = data(await recover(api, await ticket_of(api, tenant), code))
    assert await current_user_id(api, tokens["access_token"]) == user.id

    assert_refused(await recover(api, await ticket_of(api, tenant), code), 400, "INVALID_MFA_CODE")
    assert data(await recover(api, await ticket_of(api, tenant), user.recovery_codes[1]))["user"]["id"] == user.id


async def test_recovery_codes_are_accepted_in_upper_case_and_without_the_dash(api: Api, tenant: TenantHandle) -> None:
    user = await mfa_user(api, tenant)
    # prefer codes with a hex letter in them, so that upper-casing changes something
    with_letters = sorted(user.recovery_codes, key=lambda c: not re.search("[a-f]", c))
    shouted, undashed = with_letters[0].upper(), with_letters[1].replace("-", "")
    assert "-" not in undashed

    assert data(await recover(api, await ticket_of(api, tenant), shouted))["user"]["id"] == user.id
    assert data(await recover(api, await ticket_of(api, tenant), f"  {undashed}  "))["user"]["id"] == user.id
    assert_refused(await recover(api, await ticket_of(api, tenant), with_letters[0]), 400, "INVALID_MFA_CODE")  # spent above


# --- lockout ---------------------------------------------------------------------------------------


async def test_five_wrong_codes_lock_mfa_even_for_a_correct_code_until_the_lock_ends(api: Api, tenant: TenantHandle, runtime: Runtime) -> None:
    user = await mfa_user(api, tenant)
    app = user.authenticator
    ticket = await ticket_of(api, tenant)
    for _ in range(5):
        assert_refused(await complete(api, ticket, user.factor_id, app.wrong_code()), 400, "INVALID_MFA_CODE")

    correct = app.code()
    locked = await complete(api, ticket, user.factor_id, correct)
    assert_refused(locked, 429, "MFA_LOCKED")
    assert 1 <= int(locked.headers["Retry-After"]) <= 15 * 60 + 1
    assert locked.json()["error"]["details"]["retry_after"] >= 1

    await end_lockout(runtime, tenant.tenant_id, user.id)
    for _ in range(4):  # the count started over: four more failures do not lock again
        assert_refused(await complete(api, ticket, user.factor_id, app.wrong_code()), 400, "INVALID_MFA_CODE")
    tokens = data(await complete(api, ticket, user.factor_id, correct))  # refused while locked, so never spent
    assert await current_user_id(api, tokens["access_token"]) == user.id


async def test_failures_are_recorded_although_each_failing_request_rolls_back(api: Api, tenant: TenantHandle, runtime: Runtime) -> None:
    user = await mfa_user(api, tenant)
    ticket = await ticket_of(api, tenant)

    assert_refused(await complete(api, ticket, user.factor_id, user.authenticator.wrong_code()), 400, "INVALID_MFA_CODE")
    assert_refused(await recover(api, ticket, "00000-00000"), 400, "INVALID_MFA_CODE")

    assert await lockout_state(runtime, tenant.tenant_id, user.id) == (2, False)


async def test_wrong_codes_on_verify_challenge_and_complete_count_toward_one_lockout(api: Api, tenant: TenantHandle) -> None:
    user = await mfa_user(api, tenant)
    app = user.authenticator
    ticket = await ticket_of(api, tenant)

    assert_refused(await verify(api, user.token, user.factor_id, app.wrong_code()), 400, "INVALID_MFA_CODE")
    assert_refused(await verify(api, user.token, user.factor_id, app.wrong_code()), 400, "INVALID_MFA_CODE")
    assert_refused(await challenge(api, user.token, factor_id=user.factor_id, code=app.wrong_code()), 400, "INVALID_MFA_CODE")
    assert_refused(await challenge(api, tenant.token, factor_id=user.factor_id, code=app.wrong_code(), user_id=user.id), 400, "INVALID_MFA_CODE")
    assert_refused(await complete(api, ticket, user.factor_id, app.wrong_code()), 400, "INVALID_MFA_CODE")

    correct = app.code()
    locked = await complete(api, ticket, user.factor_id, correct)
    assert_refused(locked, 429, "MFA_LOCKED")
    assert int(locked.headers["Retry-After"]) >= 1
    assert_refused(await challenge(api, user.token, factor_id=user.factor_id, code=correct), 429, "MFA_LOCKED")
    assert_refused(await recover(api, ticket, user.recovery_codes[0]), 429, "MFA_LOCKED")


async def test_a_correct_code_resets_the_count_of_failures(api: Api, tenant: TenantHandle, runtime: Runtime) -> None:
    user = await mfa_user(api, tenant)
    app = user.authenticator

    for _ in range(4):
        assert_refused(await challenge(api, user.token, factor_id=user.factor_id, code=app.wrong_code()), 400, "INVALID_MFA_CODE")
    assert data(await challenge(api, user.token, factor_id=user.factor_id, code=app.code()))["verified"] is True
    for _ in range(4):
        assert_refused(await challenge(api, user.token, factor_id=user.factor_id, code=app.wrong_code()), 400, "INVALID_MFA_CODE")

    assert await lockout_state(runtime, tenant.tenant_id, user.id) == (4, False)
    # the fifth failure since the correct code is refused as wrong, not as locked; it then locks
    assert_refused(await challenge(api, user.token, factor_id=user.factor_id, code=app.wrong_code()), 400, "INVALID_MFA_CODE")
    assert_refused(await challenge(api, user.token, factor_id=user.factor_id, code=app.wrong_code()), 429, "MFA_LOCKED")


async def test_a_burst_of_concurrent_wrong_codes_is_cut_off_after_five(api: Api, tenant: TenantHandle, runtime: Runtime) -> None:
    user = await mfa_user(api, tenant)
    app = user.authenticator
    valid = {app.totp.at(time.time() + 30 * k) for k in range(-3, 4)}
    wrong = [c for c in (f"{n:06d}" for n in range(40)) if c not in valid][:30]

    answers = await asyncio.gather(*(challenge(api, user.token, factor_id=user.factor_id, code=c) for c in wrong))

    evaluated = [a for a in answers if a.status_code == 400]
    assert all(error_code(a) == "INVALID_MFA_CODE" for a in evaluated)
    assert len(evaluated) <= MAX_FAILURES, f"{len(evaluated)} of {len(wrong)} concurrent guesses were checked"
    assert all(a.status_code == 429 for a in answers if a.status_code != 400)
    assert (await lockout_state(runtime, tenant.tenant_id, user.id))[1] is True


async def test_one_code_sent_twice_at_once_opens_one_session(api: Api, tenant: TenantHandle) -> None:
    user = await mfa_user(api, tenant)
    first, second = await ticket_of(api, tenant), await ticket_of(api, tenant)
    code = user.authenticator.code()

    answers = await asyncio.gather(complete(api, first, user.factor_id, code), complete(api, second, user.factor_id, code))

    assert sorted(a.status_code for a in answers) == [200, 400]
    assert [error_code(a) for a in answers if a.status_code == 400] == ["INVALID_MFA_CODE"]


async def test_one_ticket_spent_at_once_by_a_code_and_a_recovery_code_opens_one_session(api: Api, tenant: TenantHandle) -> None:
    user = await mfa_user(api, tenant)
    ticket = await ticket_of(api, tenant)

    answers = await asyncio.gather(
        complete(api, ticket, user.factor_id, user.authenticator.code()), recover(api, ticket, user.recovery_codes[0])
    )

    assert sorted(a.status_code for a in answers) == [200, 401], [a.text for a in answers]
    [row] = await stored("SELECT COUNT(*) AS n FROM auth_sessions WHERE user_id = {} AND aal = 'aal2'", user.id)
    assert int(row["n"]) == 2  # the signup session (lifted by verify) and the one login


# --- challenge -------------------------------------------------------------------------------------


async def test_a_user_checks_their_own_code_with_challenge(api: Api, tenant: TenantHandle) -> None:
    user = await mfa_user(api, tenant)

    checked = data(await challenge(api, user.token, factor_id=user.factor_id, code=user.authenticator.code()))
    assert checked == {"user_id": user.id, "verified": True}


async def test_a_user_cannot_challenge_another_users_code(api: Api, tenant: TenantHandle) -> None:
    jane = await mfa_user(api, tenant, "jane@example.com")
    john = await sign_up(api, tenant, "john@example.com")

    naming_jane = await challenge(api, john.token, factor_id=jane.factor_id, code=jane.authenticator.code(), user_id=jane.id)
    assert_refused(naming_jane, 403, "FORBIDDEN")


async def test_an_api_key_with_the_auth_scope_checks_any_users_code_and_must_name_the_user(api: Api, tenant: TenantHandle) -> None:
    user = await mfa_user(api, tenant)
    code = user.authenticator.code()

    missing = await challenge(api, tenant.token, factor_id=user.factor_id, code=code)
    assert_refused(missing, 400, "VALIDATION_ERROR")
    assert missing.json()["error"]["details"][0]["field"] == "user_id"

    checked = data(await challenge(api, tenant.token, factor_id=user.factor_id, code=code, user_id=user.id))
    assert checked == {"user_id": user.id, "verified": True}
    assert_refused(await challenge(api, tenant.token, factor_id=user.factor_id, code=code, user_id="usr_nobody"), 404, "NOT_FOUND")


async def test_an_api_key_without_the_auth_scope_cannot_challenge(api: Api, tenant: TenantHandle) -> None:
    user = await mfa_user(api, tenant)
    reader = data(await api.rest("POST", "/v1/keys", tenant.token, json={"label": "reader", "scopes": ["read", "write"]}), 201)["token"]
    code = user.authenticator.code()

    assert_refused(await challenge(api, reader, factor_id=user.factor_id, code=code, user_id=user.id), 403, "FORBIDDEN")
    assert data(await challenge(api, tenant.token, factor_id=user.factor_id, code=code, user_id=user.id))["verified"] is True


# --- factor lists ----------------------------------------------------------------------------------


async def test_the_factor_list_shows_verified_at_only_once_verified(api: Api, tenant: TenantHandle) -> None:
    user = await sign_up(api, tenant)
    first = await enroll(api, user.token, "phone")
    second = await enroll(api, user.token, "tablet")

    listed = await factors(api, user.token)
    assert [(f["id"], f["type"], f["friendly_name"], f["verified_at"]) for f in listed] == [
        (first["factor_id"], "totp", "phone", None),
        (second["factor_id"], "totp", "tablet", None),
    ]
    assert all(f["created_at"] for f in listed)

    data(await verify(api, user.token, second["factor_id"], pyotp.TOTP(second["totp"]["secret"]).now()))
    verified_at = {f["id"]: f["verified_at"] for f in await factors(api, user.token)}
    assert verified_at[first["factor_id"]] is None and verified_at[second["factor_id"]] is not None


async def test_an_admin_key_lists_a_users_factors_and_a_user_token_cannot(api: Api, tenant: TenantHandle) -> None:
    user = await mfa_user(api, tenant)
    await enroll(api, user.token, "spare")

    assert data(await api.rest("GET", f"/v1/users/{user.id}/mfa", tenant.token)) == await factors(api, user.token)
    assert_refused(await api.rest("GET", f"/v1/users/{user.id}/mfa", user.token), 403, "FORBIDDEN")
    assert_refused(await api.rest("GET", "/v1/users/usr_nobody/mfa", tenant.token), 404, "NOT_FOUND")


async def test_an_admin_key_of_another_tenant_does_not_see_the_users_factors(api: Api, tenant: TenantHandle, other_tenant: TenantHandle) -> None:
    user = await mfa_user(api, tenant)

    assert_refused(await api.rest("GET", f"/v1/users/{user.id}/mfa", other_tenant.token), 404, "NOT_FOUND")


# --- unenrol ---------------------------------------------------------------------------------------


async def test_an_unverified_factor_can_be_removed_from_any_session(api: Api, tenant: TenantHandle) -> None:
    user = await sign_up(api, tenant)
    pending = await enroll(api, user.token)
    password_session = (await log_in(api, tenant))["access_token"]

    assert data(await api.rest("DELETE", f"/v1/auth/mfa/{pending['factor_id']}", password_session)) == {"unenrolled": True}
    assert await factors(api, user.token) == []
    assert_refused(await api.rest("DELETE", f"/v1/auth/mfa/{pending['factor_id']}", user.token), 404, "NOT_FOUND")


async def test_a_verified_factor_is_removed_from_a_session_that_passed_mfa(api: Api, tenant: TenantHandle) -> None:
    user = await mfa_user(api, tenant)
    tokens = data(await complete(api, await ticket_of(api, tenant), user.factor_id, user.authenticator.code()))

    assert data(await api.rest("DELETE", f"/v1/auth/mfa/{user.factor_id}", tokens["access_token"])) == {"unenrolled": True}
    assert await factors(api, tokens["access_token"]) == []


async def test_a_password_session_cannot_remove_a_factor_verified_in_another_session(api: Api, tenant: TenantHandle) -> None:
    user = await sign_up(api, tenant)
    password_session = (await log_in(api, tenant))["access_token"]  # opened before the factor existed
    enrolled = await enroll(api, user.token)
    data(await verify(api, user.token, enrolled["factor_id"], pyotp.TOTP(enrolled["totp"]["secret"]).now()))

    assert_refused(await api.rest("DELETE", f"/v1/auth/mfa/{enrolled['factor_id']}", password_session), 403, "MFA_REQUIRED")
    assert [f["id"] for f in await factors(api, user.token)] == [enrolled["factor_id"]]
    # the session that verified the factor passed MFA by doing so
    assert data(await api.rest("DELETE", f"/v1/auth/mfa/{enrolled['factor_id']}", user.token)) == {"unenrolled": True}


async def test_removing_the_last_verified_factor_deletes_the_recovery_codes(api: Api, tenant: TenantHandle) -> None:
    user = await mfa_user(api, tenant)
    second = await enroll(api, user.token, "tablet")
    data(await verify(api, user.token, second["factor_id"], Authenticator(second["totp"]["secret"]).code()))
    assert await recovery_code_rows(user.id) == 10

    data(await api.rest("DELETE", f"/v1/auth/mfa/{user.factor_id}", user.token))
    assert await recovery_code_rows(user.id) == 10  # one verified factor is left
    data(await api.rest("DELETE", f"/v1/auth/mfa/{second['factor_id']}", user.token))
    assert await recovery_code_rows(user.id) == 0

    answer = await log_in(api, tenant)
    assert answer["mfa_required"] is False
    assert await current_user_id(api, answer["access_token"]) == user.id

    again = await enroll(api, user.token)  # a new first factor gets a fresh set
    verified = data(await verify(api, user.token, again["factor_id"], pyotp.TOTP(again["totp"]["secret"]).now()))
    assert len(verified["recovery_codes"]) == 10 and not set(verified["recovery_codes"]) & set(user.recovery_codes)


# --- GraphQL ---------------------------------------------------------------------------------------

ENROLL = "mutation($name: String) { enrollMfa(friendlyName: $name) { factorId type friendlyName totp { secret uri qrUri } } }"
VERIFY = "mutation($factor: String!, $code: String!) { verifyMfa(factorId: $factor, code: $code) { verified factorId recoveryCodes } }"
LOG_IN = (
    "mutation($email: String!, $password: String!) { logIn(email: $email, password: $password) {"
    " mfaRequired accessToken refreshToken mfaTicket factors { id type friendlyName } user { id } } }"
)
COMPLETE = (
    "mutation($ticket: String!, $factor: String!, $code: String!) {"
    " completeMfa(mfaTicket: $ticket, factorId: $factor, code: $code) { accessToken refreshToken user { id } } }"
)
RECOVER = "mutation($ticket: String!, $code: String!) { recoverMfa(mfaTicket: $ticket, recoveryCode: $code) { accessToken user { id } } }"
CHALLENGE = (
    "mutation($factor: String!, $code: String!, $user: String) { challengeMfa(factorId: $factor, code: $code, userId: $user) { userId verified } }"
)
UNENROLL = "mutation($factor: String!) { unenrollMfa(factorId: $factor) { unenrolled } }"
FACTORS = "{ mfaFactors { id type friendlyName verifiedAt } }"
USER_FACTORS = "query($user: ID!) { userMfaFactors(userId: $user) { id type friendlyName verifiedAt } }"


async def test_graphql_enrolls_verifies_and_completes_a_login_with_a_code(api: Api, tenant: TenantHandle) -> None:
    user = await sign_up(api, tenant)
    enrolled = (await api.gql(ENROLL, user.token, name="phone"))["data"]["enrollMfa"]
    assert enrolled["factorId"].startswith("mfa_") and enrolled["type"] == "totp" and enrolled["friendlyName"] == "phone"
    assert pyotp.parse_uri(enrolled["totp"]["uri"]).secret == enrolled["totp"]["secret"] == pyotp.parse_uri(enrolled["totp"]["qrUri"]).secret
    app = Authenticator(enrolled["totp"]["secret"])

    assert gql_code(await api.gql(VERIFY, user.token, factor=enrolled["factorId"], code=app.wrong_code())) == "INVALID_MFA_CODE"
    verified = (await api.gql(VERIFY, user.token, factor=enrolled["factorId"], code=app.code()))["data"]["verifyMfa"]
    assert verified["verified"] is True and len(verified["recoveryCodes"]) == 10
    assert (await api.gql(FACTORS, user.token))["data"]["mfaFactors"][0]["verifiedAt"]

    login = (await api.gql(LOG_IN, tenant.token, email=user.email, password=PASSWORD))["data"]["logIn"]
    assert login["mfaRequired"] is True and login["mfaTicket"].startswith("mfat_")
    assert login["accessToken"] is None and login["refreshToken"] is None and login["user"] is None
    assert login["factors"] == [{"id": enrolled["factorId"], "type": "totp", "friendlyName": "phone"}]

    tokens = (await api.gql(COMPLETE, ticket=login["mfaTicket"], factor=enrolled["factorId"], code=app.code()))["data"]["completeMfa"]
    assert tokens["user"]["id"] == user.id and await current_user_id(api, tokens["accessToken"]) == user.id
    again = await api.gql(COMPLETE, ticket=login["mfaTicket"], factor=enrolled["factorId"], code=app.wrong_code())
    assert gql_code(again) == "UNAUTHORIZED"

    # the session completeMfa opened passed MFA, so it may remove the factor
    assert (await api.gql(UNENROLL, tokens["accessToken"], factor=enrolled["factorId"]))["data"]["unenrollMfa"] == {"unenrolled": True}
    plain = (await api.gql(LOG_IN, tenant.token, email=user.email, password=PASSWORD))["data"]["logIn"]
    assert plain["mfaRequired"] is False and plain["accessToken"] and plain["mfaTicket"] is None


async def test_graphql_recovers_challenges_lists_and_guards_unenrolment(api: Api, tenant: TenantHandle) -> None:
    user = await sign_up(api, tenant)
    password_session = (await log_in(api, tenant))["access_token"]
    enrolled = (await api.gql(ENROLL, user.token, name="phone"))["data"]["enrollMfa"]
    app = Authenticator(enrolled["totp"]["secret"])
    codes = (await api.gql(VERIFY, user.token, factor=enrolled["factorId"], code=app.code()))["data"]["verifyMfa"]["recoveryCodes"]

    checked = (await api.gql(CHALLENGE, tenant.token, factor=enrolled["factorId"], code=app.code(), user=user.id))["data"]["challengeMfa"]
    assert checked == {"userId": user.id, "verified": True}
    assert gql_code(await api.gql(CHALLENGE, tenant.token, factor=enrolled["factorId"], code=app.wrong_code())) == "VALIDATION_ERROR"

    listed = (await api.gql(USER_FACTORS, tenant.token, user=user.id))["data"]["userMfaFactors"]
    assert listed == (await api.gql(FACTORS, user.token))["data"]["mfaFactors"]
    assert [f["id"] for f in listed] == [enrolled["factorId"]] and listed[0]["verifiedAt"]
    assert gql_code(await api.gql(USER_FACTORS, user.token, user=user.id)) == "FORBIDDEN"

    ticket = (await api.gql(LOG_IN, tenant.token, email=user.email, password=PASSWORD))["data"]["logIn"]["mfaTicket"]
    recovered = (await api.gql(RECOVER, ticket=ticket, code=codes[0]))["data"]["recoverMfa"]
    assert recovered["user"]["id"] == user.id and await current_user_id(api, recovered["accessToken"]) == user.id
    ticket = (await api.gql(LOG_IN, tenant.token, email=user.email, password=PASSWORD))["data"]["logIn"]["mfaTicket"]
    assert gql_code(await api.gql(RECOVER, ticket=ticket, code=codes[0])) == "INVALID_MFA_CODE"

    assert gql_code(await api.gql(UNENROLL, password_session, factor=enrolled["factorId"])) == "MFA_REQUIRED"
    unenrolled = await api.gql(UNENROLL, recovered["accessToken"], factor=enrolled["factorId"])
    assert unenrolled["data"]["unenrollMfa"] == {"unenrolled": True}
