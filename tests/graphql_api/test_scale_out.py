"""Several stateless server processes sharing PostgreSQL and Redis behave like one."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import free_port, start_server, stop_server
from tests.support import TenantHandle, bearer

pytestmark = pytest.mark.postgres_only


@pytest.fixture(scope="module")
def two_servers(server_env: dict[str, str], database: None) -> Iterator[tuple[str, str]]:
    ports = [free_port(), free_port()]
    processes = [start_server(server_env, port) for port in ports]
    yield f"http://127.0.0.1:{ports[0]}", f"http://127.0.0.1:{ports[1]}"
    for process in processes:
        stop_server(process)


def test_revocation_and_rotation_take_effect_on_every_process(two_servers: tuple[str, str], tenant: TenantHandle) -> None:
    a, b = two_servers
    created = httpx.post(f"{a}/v1/keys", json={"label": "svc", "scopes": ["read"]}, headers=tenant.auth).json()["data"]
    assert httpx.get(f"{b}/v1/keys", headers=bearer(created["token"])).status_code == 200

    rotated = httpx.post(f"{a}/v1/keys/{created['key']['id']}/rotate", json={}, headers=tenant.auth).json()["data"]
    assert httpx.get(f"{b}/v1/keys", headers=bearer(created["token"])).status_code == 401
    assert httpx.get(f"{b}/v1/keys", headers=bearer(rotated["token"])).status_code == 200

    assert httpx.delete(f"{b}/v1/keys/{rotated['new_key']['id']}", headers=tenant.auth).status_code == 200
    assert httpx.get(f"{a}/v1/keys", headers=bearer(rotated["token"])).status_code == 401


def test_rate_limit_is_shared_across_processes(two_servers: tuple[str, str], tenant: TenantHandle) -> None:
    a, b = two_servers
    created = httpx.post(f"{a}/v1/keys", json={"label": "rl", "scopes": ["read"], "rate_limit": 4}, headers=tenant.auth).json()["data"]
    statuses = [httpx.get(f"{server}/v1/usage", headers=bearer(created["token"])).status_code for server in (a, b, a, b, a, b)]
    assert statuses == [200, 200, 200, 200, 429, 429]


def test_confirm_token_is_single_use_across_processes(two_servers: tuple[str, str], tenant: TenantHandle) -> None:
    a, b = two_servers
    parent = httpx.post(f"{a}/v1/keys", json={"label": "p", "scopes": ["read"]}, headers=tenant.auth).json()["data"]
    httpx.post(f"{a}/v1/keys", json={"label": "c", "scopes": ["read"]}, headers=bearer(parent["token"]))
    token = httpx.delete(f"{a}/v1/keys/{parent['key']['id']}", headers=tenant.auth).json()["error"]["confirm_token"]
    url = f"/v1/keys/{parent['key']['id']}?force=true&confirm_token={token}"
    assert httpx.delete(b + url, headers=tenant.auth).status_code == 200
    assert httpx.delete(a + url, headers=tenant.auth).status_code == 403  # already revoked


def test_a_schema_change_on_one_process_applies_at_once_on_the_other(two_servers: tuple[str, str], tenant: TenantHandle) -> None:
    """Process A caches the type's schema; B adds a property and renames the type."""
    a, b = two_servers
    type_id = httpx.post(f"{a}/v1/object-types", json={"name": "deals"}, headers=tenant.auth).json()["data"]["id"]
    assert httpx.post(f"{a}/v1/objects/deals", json={"properties": {"score": "many"}}, headers=tenant.auth).status_code == 201

    created = httpx.post(f"{b}/v1/object-types/{type_id}/properties", json={"name": "score", "data_type": "integer"}, headers=tenant.auth)
    assert created.status_code == 201, created.text
    rejected = httpx.post(f"{a}/v1/objects/deals", json={"properties": {"score": "many"}}, headers=tenant.auth)
    assert rejected.status_code == 400 and rejected.json()["error"]["details"][0]["field"] == "properties.score"

    assert httpx.patch(f"{b}/v1/object-types/{type_id}", json={"name": "opportunities"}, headers=tenant.auth).status_code == 200
    assert httpx.get(f"{a}/v1/objects/deals/list", headers=tenant.auth).status_code == 404
    assert httpx.get(f"{a}/v1/objects/opportunities/list", headers=tenant.auth).status_code == 200
