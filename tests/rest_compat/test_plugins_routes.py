"""Plugins: `/v1/plugins` (Plugins group of spec 004) installing the example extension for a tenant,
and its plugin route `/api/v1/plugin/slugify/process` as spec 001 shows it: absent (404) until the
tenant installs the plugin and again once it is disabled or uninstalled, dual auth (API key or
user token), input validated with each field's problem named, the tenant's config_json applied,
a GET health check, 405 with Allow for other methods, and other tenants not seeing it.

The session `app` serves an empty extensions directory; this module builds its own app on the
repo's `extensions/`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from graphql_api.app import create_app
from graphql_api.settings import Settings
from tests.conftest import REPO
from tests.rest_compat.test_extension_routes import scoped_key, user_token
from tests.support import Api, TenantHandle, data, error_code

PROCESS = "/api/v1/plugin/slugify/process"
HEALTH = {"status": "healthy", "plugin": "slugify", "version": "1.0.0"}


@pytest.fixture(scope="module")
async def ext_app(settings: Settings) -> AsyncIterator[Starlette]:
    app = create_app(dataclasses.replace(settings, extensions_dir=REPO / "extensions"), manage_orm=False)
    yield app
    await app.state.runtime.extensions.close()


@pytest.fixture
async def ext(ext_app: Starlette) -> AsyncIterator[Api]:
    transport = httpx.ASGITransport(app=ext_app, client=("127.0.0.1", 5))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        yield Api(client)


async def install(api: Api, tenant: TenantHandle, **body: Any) -> dict[str, Any]:
    return data(await api.rest("POST", "/v1/plugins", tenant.token, json={"name": "slugify", **body}), 201)


async def process(api: Api, token: str | None, body: Any) -> httpx.Response:
    return await api.rest("POST", PROCESS, token, json=body)


def field_errors(response: httpx.Response) -> list[str]:
    assert response.status_code == 400 and error_code(response) == "VALIDATION_ERROR", response.text
    return [d["field"] for d in response.json()["error"]["details"]]


# --- the plugin route (spec 001) ----------------------------------------------------------------------


async def test_the_process_route_exists_only_once_the_tenant_installs_the_plugin(ext: Api, tenant: TenantHandle) -> None:
    before = await process(ext, tenant.token, {"input": "Hello World"})
    assert before.status_code == 404 and before.json() == {"error": "Resource not found"}
    assert (await ext.rest("GET", PROCESS, tenant.token)).status_code == 404

    await install(ext, tenant)
    after = await process(ext, tenant.token, {"input": "Hello World"})
    assert after.status_code == 200, after.text
    assert after.json() == {"success": True, "data": {"slug": "hello-world", "length": 11}}
    assert after.headers["x-request-id"]


async def test_the_tenants_config_json_shapes_the_answer(ext: Api, tenant: TenantHandle) -> None:
    plugin = await install(ext, tenant, config_json={"separator": "_", "max_length": 8})
    assert plugin["config_json"] == {"separator": "_", "max_length": 8}
    answer = await process(ext, tenant.token, {"input": "Hello Big World"})
    assert answer.json()["data"] == {"slug": "hello_bi", "length": 8}

    data(await ext.rest("PATCH", f"/v1/plugins/{plugin['id']}", tenant.token, json={"config_json": {"separator": "."}}))
    again = await process(ext, tenant.token, {"input": "Hello Big World", "options": {"format": "json"}})
    assert again.json()["data"] == {"slug": "hello.big.world", "length": 15}
    html = await process(ext, tenant.token, {"input": "Hello", "options": {"format": "html"}})
    assert html.json() == {"success": True, "data": {"html": "<code>hello</code>"}}


async def test_invalid_input_is_refused_with_each_fields_problem(ext: Api, tenant: TenantHandle) -> None:
    await install(ext, tenant)
    empty = await process(ext, tenant.token, {})
    assert empty.status_code == 400 and empty.json()["error"] == "Invalid input"
    assert [d["field"] for d in empty.json()["details"]] == ["input"]

    bad = await process(ext, tenant.token, {"input": "", "options": {"format": "pdf", "timeout": 5}})
    assert bad.status_code == 400 and set(bad.json()) == {"error", "details"}
    details = {d["field"]: d for d in bad.json()["details"]}
    assert set(details) == {"input", "options.format", "options.timeout"}
    assert all(d["message"] for d in details.values())

    not_an_object = await process(ext, tenant.token, ["Hello"])
    assert not_an_object.status_code == 400 and not_an_object.json()["error"] == "Invalid input"
    broken = await ext.rest("POST", PROCESS, tenant.token, content=b"{not json", headers={"content-type": "application/json"})
    assert broken.status_code == 400 and "error" in broken.json()


async def test_get_is_the_health_check_and_other_methods_are_not_allowed(ext: Api, tenant: TenantHandle) -> None:
    await install(ext, tenant)
    health = await ext.rest("GET", PROCESS, tenant.token)
    assert health.status_code == 200 and health.json() == HEALTH
    refused = await ext.rest("DELETE", PROCESS, tenant.token)
    assert refused.status_code == 405 and refused.headers["allow"] == "GET, POST"
    assert refused.json()["error"]
    assert (await ext.rest("GET", "/api/v1/plugin/slugify/nothing-here", tenant.token)).status_code == 404


async def test_the_plugin_route_needs_a_caller_and_takes_an_api_key_or_a_user_token(ext: Api, tenant: TenantHandle) -> None:
    await install(ext, tenant)
    anonymous = await process(ext, None, {"input": "Hello"})
    assert anonymous.status_code == 401 and anonymous.json() == {"error": "Unauthorized"}
    assert (await ext.rest("GET", PROCESS)).status_code == 401
    as_user = await process(ext, await user_token(ext, tenant), {"input": "Signed In"})
    assert as_user.status_code == 200 and as_user.json()["data"]["slug"] == "signed-in", as_user.text


async def test_disabling_or_uninstalling_the_plugin_removes_its_route_for_the_tenant(ext: Api, tenant: TenantHandle) -> None:
    plugin = await install(ext, tenant)
    assert (await process(ext, tenant.token, {"input": "on"})).status_code == 200

    disabled = data(await ext.rest("PATCH", f"/v1/plugins/{plugin['id']}", tenant.token, json={"enabled": False}))
    assert disabled["enabled"] is False
    assert (await process(ext, tenant.token, {"input": "off"})).status_code == 404
    assert (await ext.rest("GET", PROCESS, tenant.token)).status_code == 404

    data(await ext.rest("PATCH", f"/v1/plugins/{plugin['id']}", tenant.token, json={"enabled": True}))
    assert (await process(ext, tenant.token, {"input": "on again"})).status_code == 200

    data(await ext.rest("DELETE", f"/v1/plugins/{plugin['id']}", tenant.token))
    gone = await process(ext, tenant.token, {"input": "gone"})
    assert gone.status_code == 404 and gone.json() == {"error": "Resource not found"}


async def test_another_tenant_without_the_plugin_does_not_see_its_route(ext: Api, tenant: TenantHandle, other_tenant: TenantHandle) -> None:
    await install(ext, tenant)
    assert (await process(ext, tenant.token, {"input": "mine"})).status_code == 200
    theirs = await process(ext, other_tenant.token, {"input": "theirs"})
    assert theirs.status_code == 404 and theirs.json() == {"error": "Resource not found"}
    assert data(await ext.rest("GET", "/v1/plugins", other_tenant.token)) == []


# --- /v1/plugins ---------------------------------------------------------------------------------


async def test_plugins_are_installed_listed_read_updated_and_uninstalled_in_the_documented_shapes(ext: Api, tenant: TenantHandle) -> None:
    made = await install(ext, tenant, version="1.0.0", config_json={"separator": "+"})
    assert made["id"] and (made["name"], made["version"], made["enabled"]) == ("slugify", "1.0.0", True)
    assert made["config_json"] == {"separator": "+", "max_length": 80}  # the extension's defaults filled in
    assert made["manifest_json"]["name"] == "slugify" and made["created_at"] and made["updated_at"]

    listed = data(await ext.rest("GET", "/v1/plugins", tenant.token))
    assert isinstance(listed, list) and [p["id"] for p in listed] == [made["id"]]
    assert data(await ext.rest("GET", f"/v1/plugins/{made['id']}", tenant.token))["config_json"]["separator"] == "+"

    changed = data(await ext.rest("PATCH", f"/v1/plugins/{made['id']}", tenant.token, json={"enabled": False, "config_json": {"max_length": 20}}))
    assert (changed["enabled"], changed["config_json"]) == (False, {"separator": "-", "max_length": 20})

    assert data(await ext.rest("DELETE", f"/v1/plugins/{made['id']}", tenant.token)) == {"id": made["id"], "deleted": True}
    gone = await ext.rest("GET", f"/v1/plugins/{made['id']}", tenant.token)
    assert gone.status_code == 404 and error_code(gone) == "NOT_FOUND"
    assert data(await ext.rest("GET", "/v1/plugins", tenant.token)) == []


async def test_only_an_extension_this_server_offers_can_be_installed_and_only_once(ext: Api, tenant: TenantHandle) -> None:
    unknown = await ext.rest("POST", "/v1/plugins", tenant.token, json={"name": "no-such-extension"})
    assert field_errors(unknown) == ["name"]
    assert "slugify" in unknown.json()["error"]["details"][0]["message"]  # what is available is named

    await install(ext, tenant)
    twice = await ext.rest("POST", "/v1/plugins", tenant.token, json={"name": "slugify"})
    assert twice.status_code == 409 and error_code(twice) == "ALREADY_EXISTS"
    assert len(data(await ext.rest("GET", "/v1/plugins", tenant.token))) == 1


async def test_a_bad_config_or_another_version_is_refused_with_the_field_named(ext: Api, tenant: TenantHandle) -> None:
    too_long = await ext.rest("POST", "/v1/plugins", tenant.token, json={"name": "slugify", "config_json": {"separator": "----"}})
    assert field_errors(too_long) == ["config_json.separator"]
    not_object = await ext.rest("POST", "/v1/plugins", tenant.token, json={"name": "slugify", "config_json": ["x"]})
    assert field_errors(not_object) == ["config_json"]
    other_version = await ext.rest("POST", "/v1/plugins", tenant.token, json={"name": "slugify", "version": "2.0.0"})
    assert field_errors(other_version) == ["version"] and "1.0.0" in other_version.json()["error"]["details"][0]["message"]
    assert data(await ext.rest("GET", "/v1/plugins", tenant.token)) == []

    plugin = await install(ext, tenant)
    bad_patch = await ext.rest("PATCH", f"/v1/plugins/{plugin['id']}", tenant.token, json={"config_json": {"max_length": 1}})
    assert field_errors(bad_patch) == ["config_json.max_length"]
    assert data(await ext.rest("GET", f"/v1/plugins/{plugin['id']}", tenant.token))["config_json"]["max_length"] == 80


async def test_another_tenants_plugin_looks_missing(ext: Api, tenant: TenantHandle, other_tenant: TenantHandle) -> None:
    plugin = await install(ext, tenant)
    for method, body in (("GET", None), ("PATCH", {"enabled": False}), ("DELETE", None)):
        response = await ext.rest(method, f"/v1/plugins/{plugin['id']}", other_tenant.token, json=body)
        assert response.status_code == 404 and error_code(response) == "NOT_FOUND", (method, response.text)
    assert data(await ext.rest("GET", f"/v1/plugins/{plugin['id']}", tenant.token))["enabled"] is True


async def test_reading_plugins_needs_read_and_managing_them_needs_schema(ext: Api, tenant: TenantHandle) -> None:
    anonymous = await ext.rest("GET", "/v1/plugins")
    assert anonymous.status_code == 401 and error_code(anonymous) == "UNAUTHORIZED"
    reader, writer = await scoped_key(ext, tenant, ["read"]), await scoped_key(ext, tenant, ["write"])
    refused = await ext.rest("POST", "/v1/plugins", writer, json={"name": "slugify"})
    assert refused.status_code == 403 and error_code(refused) == "INSUFFICIENT_SCOPE"
    assert (await ext.rest("POST", "/v1/plugins", reader, json={"name": "slugify"})).status_code == 403

    plugin = await install(ext, tenant)
    assert [p["id"] for p in data(await ext.rest("GET", "/v1/plugins", reader))] == [plugin["id"]]
    assert (await ext.rest("PATCH", f"/v1/plugins/{plugin['id']}", reader, json={"enabled": False})).status_code == 403
    assert (await ext.rest("DELETE", f"/v1/plugins/{plugin['id']}", writer)).status_code == 403
    assert data(await ext.rest("GET", f"/v1/plugins/{plugin['id']}", tenant.token))["enabled"] is True
    # a key that may not manage plugins still calls the installed plugin's route
    assert (await process(ext, writer, {"input": "Scoped Call"})).json()["data"]["slug"] == "scoped-call"
