"""Test helpers: tenants built through the service layer, and one client for both transports."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from resolvers.api_keys.service import create_root_key
from resolvers.tenants.service import create_tenant


@dataclass(frozen=True)
class TenantHandle:
    tenant_id: str
    key_id: str
    token: str

    @property
    def auth(self) -> dict[str, str]:
        return bearer(self.token)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def make_tenant(name: str = "Acme", *, email: str | None = None, scopes: list[str] | None = None) -> TenantHandle:
    tenant = await create_tenant(name, owner_email=email)
    created = await create_root_key(tenant.id, label="root", scopes=scopes or ["*"])
    return TenantHandle(tenant_id=tenant.id, key_id=created.key.id, token=created.token)


class Api:
    """REST calls return the parsed envelope; GraphQL calls return the parsed GraphQL answer."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def rest(self, method: str, path: str, token: str | None = None, **kwargs: Any) -> httpx.Response:
        headers = {**(bearer(token) if token else {}), **kwargs.pop("headers", {})}
        return await self.client.request(method, path, headers=headers, **kwargs)

    async def gql(self, query: str, token: str | None = None, **variables: Any) -> dict[str, Any]:
        response = await self.client.post(
            "/graphql", json={"query": query, "variables": variables}, headers=bearer(token) if token else {}
        )
        return response.json()


def error_code(response: httpx.Response) -> str:
    body = response.json()
    assert body["success"] is False, body
    assert body["request_id"].startswith("req_") or body["request_id"]
    return body["error"]["code"]


def data(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["success"] is True and body["request_id"], body
    return body["data"]


def gql_code(result: dict[str, Any]) -> str:
    assert result.get("errors"), result
    return result["errors"][0]["extensions"]["code"]
