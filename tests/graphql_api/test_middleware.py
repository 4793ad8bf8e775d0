"""Envelope-level behaviour shared by every route: request ids, limits, routing and crash errors."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
import pytest

from resolvers.tenants import service as tenant_service
from tests.support import Api, TenantHandle, bearer, error_code


async def test_request_id_is_in_body_and_header(api: Api, tenant: TenantHandle) -> None:
    response = await api.rest("GET", "/v1/usage", tenant.token)
    assert response.json()["request_id"] == response.headers["X-Request-Id"]
    assert response.headers["X-Request-Id"].startswith("req_")

    mine = await api.rest("GET", "/v1/usage", tenant.token, headers={"X-Request-Id": "trace-1234abcd"})
    assert mine.json()["request_id"] == "trace-1234abcd"
    bad = await api.rest("GET", "/v1/usage", tenant.token, headers={"X-Request-Id": "<script>"})
    assert bad.json()["request_id"].startswith("req_")


async def test_unknown_route_is_404_route_not_found(api: Api) -> None:
    response = await api.rest("GET", "/v1/nothing-here")
    assert response.status_code == 404 and error_code(response) == "ROUTE_NOT_FOUND"


async def test_wrong_method_is_405_with_allow(api: Api, tenant: TenantHandle) -> None:
    response = await api.rest("PUT", "/v1/keys", tenant.token)
    assert response.status_code == 405 and error_code(response) == "METHOD_NOT_ALLOWED"
    assert set(response.headers["Allow"].split(", ")) >= {"GET", "POST"}


@pytest.mark.parametrize("body", [b"{not json", b"\xff\xfe", b'{"label": "x",}'])
async def test_malformed_json_is_400_invalid_json(api: Api, tenant: TenantHandle, body: bytes) -> None:
    response = await api.rest("POST", "/v1/keys", tenant.token, content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 400 and error_code(response) == "INVALID_JSON"


async def test_non_object_body_is_a_validation_error(api: Api, tenant: TenantHandle) -> None:
    response = await api.rest("POST", "/v1/keys", tenant.token, json=["read"])
    assert response.status_code == 400 and error_code(response) == "VALIDATION_ERROR"


async def test_declared_oversized_body_is_413(api: Api, tenant: TenantHandle) -> None:
    big = json.dumps({"label": "x" * (2 * 1024 * 1024), "scopes": ["read"]})
    response = await api.rest("POST", "/v1/keys", tenant.token, content=big, headers={"Content-Type": "application/json"})
    assert response.status_code == 413 and error_code(response) == "PAYLOAD_TOO_LARGE"


async def test_graphql_oversized_body_is_413(api: Api, tenant: TenantHandle) -> None:
    response = await api.client.post("/graphql", content=b"x" * (2 * 1024 * 1024), headers={**tenant.auth, "Content-Type": "application/json"})
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"


async def test_streamed_body_is_cut_off_at_the_limit(live_server: str, tenant: TenantHandle) -> None:
    """No Content-Length (chunked): the server counts while reading and stops at the limit."""
    sent = 0

    async def chunks() -> AsyncIterator[bytes]:
        nonlocal sent
        for _ in range(64):  # 64 x 64 KiB = 4 MiB offered, limit is 1 MiB
            sent += 65536
            yield b" " * 65536

    async with httpx.AsyncClient(base_url=live_server, timeout=10) as client:
        try:
            response = await client.post("/v1/keys", content=chunks(), headers={**tenant.auth, "Content-Type": "application/json"})
        except httpx.HTTPError:
            pytest.fail("the server should answer 413, not drop the connection")
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "PAYLOAD_TOO_LARGE"


async def test_unexpected_error_is_500_without_internals(api: Api, tenant: TenantHandle, monkeypatch: pytest.MonkeyPatch) -> None:
    async def broken(principal: object) -> None:
        raise RuntimeError("secret internal detail at /srv/app.py line 42")

    monkeypatch.setattr(tenant_service, "usage", broken)
    response = await api.rest("GET", "/v1/usage", tenant.token)
    assert response.status_code == 500 and error_code(response) == "INTERNAL_ERROR"
    assert "secret" not in response.text and "Traceback" not in response.text

    result = await api.gql("{ usage { planTier } }", tenant.token)
    assert result["errors"][0]["extensions"]["code"] == "INTERNAL_ERROR"
    assert "secret" not in json.dumps(result)


async def test_public_route_with_bad_token_is_still_refused(api: Api) -> None:
    response = await api.rest("GET", "/health", headers=bearer("bsk_garbage"))
    assert response.status_code == 401


async def test_a_body_longer_than_its_declared_length_is_still_cut_off_at_the_limit(app) -> None:  # type: ignore[no-untyped-def]
    """The streamed size is counted even when a length is declared: a server that passed more
    than it (or a client lying about it) cannot get a larger body in."""
    from graphql_api.middleware import RequestMiddleware
    from resolvers.errors import PayloadTooLarge

    read: list[int] = []

    async def reader(scope, receive, send) -> None:  # type: ignore[no-untyped-def]
        while True:
            message = await receive()
            read.append(len(message.get("body", b"")))
            if not message.get("more_body"):
                return

    chunks = [{"type": "http.request", "body": b"x" * 60, "more_body": True}, {"type": "http.request", "body": b"x" * 60}]

    async def receive() -> dict[str, object]:
        return chunks.pop(0)

    async def send(message: dict[str, object]) -> None:
        return None

    scope = {"type": "http", "method": "POST", "path": "/v1/keys", "headers": [(b"content-length", b"10")], "client": None}
    with pytest.raises(PayloadTooLarge):
        await RequestMiddleware(reader, app.state.runtime, max_body_bytes=100)(scope, receive, send)
    assert read == [60]  # the second chunk was never handed on
