"""End-user access tokens: what `verify_access_token` / `authenticate` refuse, and the live state
behind a token (session, user, tenant) checked on every request; plus argon2id password hashing.

A user is signed up through `resolvers.auth.service.sign_up`; every forged or stale token is
checked at the service level (`authenticate` raises Unauthorized) and through the in-process
app (`GET /v1/auth/user` answers 401 UNAUTHORIZED). Forged tokens are assembled by hand
(header, payload, signature), so the forging helper is first shown to produce a token the server
accepts when signed properly: a refusal is then about the one thing each case changes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from starlette.applications import Starlette

from models.auth import AuthSession, User
from resolvers.auth import passwords
from resolvers.auth.service import ClientInfo, authenticate, sign_up, verify_access_token
from resolvers.errors import Unauthorized
from resolvers.runtime import Runtime
from resolvers.tenants.service import set_status
from tests.support import Api, TenantHandle, data, error_code, make_tenant, principal_of

PASSWORD = "correct horse battery staple"


# --- helpers -------------------------------------------------------------------------------


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def segment(part: dict[str, Any]) -> str:
    return b64url(json.dumps(part, separators=(",", ":")).encode())


def compose(header: dict[str, Any], claims: dict[str, Any], sign: Callable[[bytes], bytes]) -> str:
    """A JWT assembled by hand: whatever header and signature a forger likes."""
    signing_input = f"{segment(header)}.{segment(claims)}"
    return f"{signing_input}.{b64url(sign(signing_input.encode()))}"


def hs256(secret: bytes) -> Callable[[bytes], bytes]:
    return lambda message: hmac.new(secret, message, hashlib.sha256).digest()


def unsigned(_message: bytes) -> bytes:
    return b""


@dataclass
class SignedUp:
    """A user just signed up in `tenant`, with the claims of their access token and our key."""

    tenant: TenantHandle
    runtime: Runtime
    email: str
    access_token: str
    refresh_token: str
    session_id: str
    user_id: str
    claims: dict[str, Any]
    kid: str
    private: Ed25519PrivateKey
    jwk_x: str  # the public key as published in the JWKS

    def header(self, **changes: Any) -> dict[str, Any]:
        return {"alg": "EdDSA", "typ": "JWT", "kid": self.kid, **changes}

    def signed(self, claims: dict[str, Any]) -> str:
        """Claims signed properly with our current key."""
        return compose(self.header(), claims, self.private.sign)

    def public_raw(self) -> bytes:
        return self.private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)

    def public_pem(self) -> bytes:
        return self.private.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


async def sign_up_user(tenant: TenantHandle, runtime: Runtime, email: str = "ada@example.com") -> SignedUp:
    pair = await sign_up(
        principal_of(tenant), email=email, password=PASSWORD, runtime=runtime,
        client=ClientInfo(ip="127.0.0.1", user_agent="pytest"),
    )
    kid, private = await runtime.keyring.signing_key()
    (jwk,) = [k for k in (await runtime.keyring.jwks())["keys"] if k["kid"] == kid]
    return SignedUp(
        tenant=tenant,
        runtime=runtime,
        email=email,
        access_token=pair.access_token,
        refresh_token=pair.refresh_token,
        session_id=pair.session_id,
        user_id=pair.user.id,
        claims=jwt.decode(pair.access_token, options={"verify_signature": False}),
        kid=kid,
        private=private,
        jwk_x=jwk["x"],
    )


@pytest.fixture
async def user(app: Starlette, tenant: TenantHandle) -> SignedUp:
    return await sign_up_user(tenant, app.state.runtime)


async def assert_refused(api: Api, user: SignedUp, token: str) -> str:
    """Refused by `authenticate` and by the API with 401; returns the API's message."""
    with pytest.raises(Unauthorized):
        await authenticate(token, runtime=user.runtime)
    response = await api.rest("GET", "/v1/auth/user", token)
    assert response.status_code == 401, response.text
    assert error_code(response) == "UNAUTHORIZED"
    return str(response.json()["error"]["message"])


# --- the genuine token -----------------------------------------------------------------------


async def test_the_issued_token_and_one_signed_by_hand_with_our_key_are_both_accepted(api: Api, user: SignedUp) -> None:
    header = jwt.get_unverified_header(user.access_token)
    assert (header["alg"], header["kid"]) == ("EdDSA", user.kid)
    assert user.jwk_x == b64url(user.public_raw())  # the JWKS publishes the key that signed it
    assert {k: user.claims[k] for k in ("iss", "aud", "sub", "tid", "sid")} == {
        "iss": "basalt", "aud": "authenticated", "sub": user.user_id, "tid": user.tenant.tenant_id, "sid": user.session_id,
    }

    for token in (user.access_token, user.signed(user.claims)):
        principal = await authenticate(token, runtime=user.runtime)
        assert (principal.kind, principal.tenant_id, principal.user_id, principal.session_id) == (
            "user", user.tenant.tenant_id, user.user_id, user.session_id,
        )
        me = data(await api.rest("GET", "/v1/auth/user", token))
        assert (me["id"], me["email"]) == (user.user_id, user.email)


# --- forged tokens ---------------------------------------------------------------------------


def _edited_payload(user: SignedUp) -> str:
    head, _, signature = user.access_token.split(".")
    return f"{head}.{segment({**user.claims, 'role': 'service_role'})}.{signature}"


def _without(claim: str) -> Callable[[SignedUp], str]:
    return lambda user: user.signed({k: v for k, v in user.claims.items() if k != claim})


def _with(**changes: Any) -> Callable[[SignedUp], str]:
    return lambda user: user.signed({**user.claims, **changes})


FORGERIES: dict[str, Callable[[SignedUp], str]] = {
    "alg none": lambda u: compose(u.header(alg="none"), u.claims, unsigned),
    "alg none without a kid": lambda u: compose({"alg": "none", "typ": "JWT"}, u.claims, unsigned),
    "HS256 keyed with the raw public key": lambda u: compose(u.header(alg="HS256"), u.claims, hs256(u.public_raw())),
    "HS256 keyed with the PEM public key": lambda u: compose(u.header(alg="HS256"), u.claims, hs256(u.public_pem())),
    "HS256 keyed with the JWK x value": lambda u: compose(u.header(alg="HS256"), u.claims, hs256(u.jwk_x.encode())),
    "unknown kid": lambda u: compose(u.header(kid="kid_doesnotexist00000"), u.claims, u.private.sign),
    "no kid": lambda u: compose({"alg": "EdDSA", "typ": "JWT"}, u.claims, u.private.sign),
    "another Ed25519 key under our kid": lambda u: compose(u.header(), u.claims, Ed25519PrivateKey.generate().sign),
    "payload edited after signing": _edited_payload,
    "no sid": _without("sid"),
    "no tid": _without("tid"),
    "no sub": _without("sub"),
    "no exp": _without("exp"),
    "sid not a string": _with(sid=12345),
    "wrong aud": _with(aud="service_role"),
    "wrong iss": _with(iss="someone-else"),
}


@pytest.mark.parametrize("forgery", list(FORGERIES))
async def test_a_forged_or_malformed_token_is_refused_with_401(api: Api, user: SignedUp, forgery: str) -> None:
    token = FORGERIES[forgery](user)
    with pytest.raises(Unauthorized):
        await verify_access_token(token, user.runtime.keyring)
    assert await assert_refused(api, user, token) == "Invalid access token"


async def test_an_expired_token_is_refused_with_a_message_saying_it_expired(api: Api, user: SignedUp) -> None:
    now = int(time.time())
    token = user.signed({**user.claims, "iat": now - 7200, "exp": now - 3600})
    message = await assert_refused(api, user, token)
    assert "expired" in message


async def test_a_token_naming_another_tenant_for_this_tenants_user_and_session_is_refused(api: Api, user: SignedUp) -> None:
    other = await make_tenant("Other Co")
    token = user.signed({**user.claims, "tid": other.tenant_id})
    claims = await verify_access_token(token, user.runtime.keyring)  # the signature is genuine ...
    assert claims.tenant_id == other.tenant_id
    await assert_refused(api, user, token)  # ... but no such session exists in that tenant


async def test_a_token_of_a_revoked_session_is_refused_though_it_has_not_expired(api: Api, user: SignedUp) -> None:
    another = data(await api.rest("POST", "/v1/auth/login", user.tenant.token, json={"email": user.email, "password": PASSWORD}))
    response = await api.rest("DELETE", f"/v1/auth/sessions/{user.session_id}", another["access_token"])
    assert response.status_code == 200, response.text
    assert (await AuthSession.get(id=user.session_id)).revoked_at is not None

    await assert_refused(api, user, user.access_token)
    assert (await api.rest("GET", "/v1/auth/user", another["access_token"])).status_code == 200  # only that session ended


# --- the user and the tenant behind a token ------------------------------------------------


async def test_a_banned_user_is_refused_at_once_and_can_neither_log_in_nor_refresh(api: Api, user: SignedUp) -> None:
    assert (await api.rest("GET", "/v1/auth/user", user.access_token)).status_code == 200
    await User.filter(id=user.user_id).update(status="banned")

    response = await api.rest("GET", "/v1/auth/user", user.access_token)
    assert response.status_code == 403 and error_code(response) == "USER_BANNED"

    wrong = await api.rest("POST", "/v1/auth/login", user.tenant.token, json={"email": user.email, "password": "not the password"})
    assert wrong.status_code == 401 and error_code(wrong) == "UNAUTHORIZED"  # a wrong password does not learn of the ban
    right = await api.rest("POST", "/v1/auth/login", user.tenant.token, json={"email": user.email, "password": PASSWORD})
    assert right.status_code == 403 and error_code(right) == "USER_BANNED"

    refreshed = await api.rest("POST", "/v1/auth/refresh", user.tenant.token, json={"refresh_token": user.refresh_token})
    assert refreshed.status_code == 403 and error_code(refreshed) == "USER_BANNED"


async def test_a_suspended_tenants_user_is_refused_with_403_on_the_next_request(api: Api, user: SignedUp) -> None:
    assert (await api.rest("GET", "/v1/auth/user", user.access_token)).status_code == 200
    await set_status(user.tenant.tenant_id, "suspended")

    response = await api.rest("GET", "/v1/auth/user", user.access_token)
    assert response.status_code == 403 and error_code(response) == "TENANT_SUSPENDED"


# --- passwords -------------------------------------------------------------------------------


class VerifySpy:
    """Stands in for the module's PasswordHasher and records what `verify` was asked."""

    def __init__(self, real: Any) -> None:
        self.real = real
        self.calls: list[tuple[str, str]] = []

    def verify(self, stored_hash: str, password: str) -> bool:
        self.calls.append((stored_hash, password))
        return bool(self.real.verify(stored_hash, password))

    def hash(self, password: str) -> str:
        return str(self.real.hash(password))


@pytest.fixture
def spy(monkeypatch: pytest.MonkeyPatch) -> VerifySpy:
    recorder = VerifySpy(passwords._hasher)
    monkeypatch.setattr(passwords, "_hasher", recorder)
    return recorder


async def test_the_stored_password_hash_is_argon2id_and_verifies_only_the_right_password(user: SignedUp) -> None:
    stored = (await User.get(id=user.user_id)).password_hash
    assert stored is not None and stored.startswith("$argon2id$") and PASSWORD not in stored
    assert await passwords.verify_password(stored, PASSWORD) is True
    assert await passwords.verify_password(stored, PASSWORD + "!") is False


async def test_verifying_against_no_hash_is_false_but_still_runs_one_argon2_verification(spy: VerifySpy) -> None:
    assert await passwords.verify_password(None, "x") is False
    assert spy.calls == [(passwords._DUMMY, "x")]
    assert passwords._DUMMY.startswith("$argon2id$")

    # The dummy hash's own password matches it, and still logs nobody in.
    assert await passwords.verify_password(None, "basalt timing equaliser") is False
    assert len(spy.calls) == 2


@pytest.mark.parametrize("case", ["unknown email", "wrong password"])
async def test_an_unknown_email_and_a_wrong_password_both_cost_one_verification_and_answer_alike(
    api: Api, user: SignedUp, spy: VerifySpy, case: str
) -> None:
    email, password = ("nobody@example.com", PASSWORD) if case == "unknown email" else (user.email, "not the password")
    response = await api.rest("POST", "/v1/auth/login", user.tenant.token, json={"email": email, "password": password})
    assert response.status_code == 401 and error_code(response) == "UNAUTHORIZED"
    assert response.json()["error"]["message"] == "Invalid email or password"
    assert len(spy.calls) == 1

