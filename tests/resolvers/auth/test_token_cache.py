"""Verified access tokens are remembered by their text until they expire: the signature is
checked once, liveness on every request."""

from __future__ import annotations

import time

import pytest

from resolvers.auth import service
from resolvers.errors import Unauthorized
from tests.resolvers.auth.test_tokens import SignedUp, user  # noqa: F401  (the fixture)


async def test_a_token_seen_before_skips_the_signature_check(user: SignedUp, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    checks: list[str] = []
    real = service._verify_signature_and_claims

    async def counted(token: str, keyring: object) -> object:
        checks.append(token)
        return await real(token, keyring)  # type: ignore[arg-type]

    monkeypatch.setattr(service, "_verify_signature_and_claims", counted)
    fresh = user.signed({**user.claims, "iat": int(time.time()), "exp": int(time.time()) + 60})
    first = await service.authenticate(fresh, runtime=user.runtime)
    second = await service.authenticate(fresh, runtime=user.runtime)
    assert first.user_id == second.user_id == user.user_id and checks == [fresh]


async def test_a_remembered_token_is_refused_once_it_expires(user: SignedUp) -> None:  # noqa: F811
    short = user.signed({**user.claims, "iat": int(time.time()), "exp": int(time.time()) + 1})
    await service.authenticate(short, runtime=user.runtime)
    time.sleep(1.1)
    with pytest.raises(Unauthorized, match="expired"):
        await service.authenticate(short, runtime=user.runtime)


async def test_a_remembered_token_stops_working_when_its_session_ends(user: SignedUp) -> None:  # noqa: F811
    await service.authenticate(user.access_token, runtime=user.runtime)
    await service.revoke_all_sessions(await service.authenticate(user.access_token, runtime=user.runtime))
    with pytest.raises(Unauthorized, match="session has ended"):
        await service.authenticate(user.access_token, runtime=user.runtime)
