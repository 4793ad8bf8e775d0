"""The example file-based extension (`extensions/slugify/`) served by an app built on the repo's
`extensions/` directory: its auto-slug filter hook (spec 003) on the request path, its action
handler after commit (the extension worker, driven by a Pump of this app), its `tax-summary` file
route exactly as spec 000 shows it (400 for missing parameters, 200 with period and records,
`api_key` auth refusing anonymous callers and user tokens), and the routes it registers with
`sdk.register_routes` at /api/ext/customers (their permissions checked per caller).

The session `app` serves an empty extensions directory; this module builds its own app.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator

import httpx
import pytest
from starlette.applications import Starlette
from tortoise.queryset import QuerySet

from graphql_api.app import create_app
from graphql_api.settings import Settings
from models.events import Event
from models.hooks import ExtensionCursor, ExtensionRun
from resolvers import db
from tests.conftest import REPO
from tests.rest_compat.test_auth_routes import log_in, sign_up
from tests.support import Api, TenantHandle, data, error_code, make_objects, make_type
from tests.workers import Pump, eventually

MISSING_PERIOD = {"error": "Missing required query parameters: start, end (YYYY-MM-DD)"}


@pytest.fixture(scope="module")
async def ext_app(settings: Settings) -> AsyncIterator[Starlette]:
    """An app that loaded the repo's extensions/ (the slugify example)."""
    app = create_app(dataclasses.replace(settings, extensions_dir=REPO / "extensions"), manage_orm=False)
    yield app
    await app.state.runtime.extensions.close()


@pytest.fixture
async def ext(ext_app: Starlette) -> AsyncIterator[Api]:
    transport = httpx.ASGITransport(app=ext_app, client=("127.0.0.1", 5))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        yield Api(client)


@pytest.fixture
def ext_pump(ext_app: Starlette) -> Pump:
    """Background work as a server running the example extension does it (its action handler included)."""
    return Pump(ext_app.state.runtime)


async def articles_type(tenant: TenantHandle) -> str:
    return await make_type(tenant, "articles", [{"name": "title", "data_type": "string"}, {"name": "slug", "data_type": "string"}])


async def scoped_key(api: Api, tenant: TenantHandle, scopes: list[str]) -> str:
    return data(await api.rest("POST", "/v1/keys", tenant.token, json={"label": "scoped", "scopes": scopes}), 201)["token"]


async def user_token(api: Api, tenant: TenantHandle) -> str:
    await sign_up(api, tenant, "reader@example.com")
    return (await log_in(api, tenant, "reader@example.com"))["access_token"]


# --- hooks ---------------------------------------------------------------------------------------


async def test_the_auto_slug_filter_derives_a_slug_from_the_title_before_the_article_is_stored(ext: Api, tenant: TenantHandle) -> None:
    type_id = await articles_type(tenant)
    made = data(await ext.rest("POST", f"/v1/objects/{type_id}", tenant.token, json={"properties": {"title": "Hello World Again"}}), 201)
    assert made["properties"] == {"title": "Hello World Again", "slug": "hello-world-again"}
    kept = data(await ext.rest("POST", f"/v1/objects/{type_id}", tenant.token, json={"properties": {"title": "Other", "slug": "mine"}}), 201)
    assert kept["properties"]["slug"] == "mine"  # a given slug is left alone
    stored = data(await ext.rest("GET", f"/v1/objects/{type_id}/{made['id']}", tenant.token))
    assert stored["properties"]["slug"] == "hello-world-again"


async def test_an_article_without_a_title_is_rejected_by_the_filter_and_not_stored(ext: Api, tenant: TenantHandle) -> None:
    type_id = await articles_type(tenant)
    response = await ext.rest("POST", f"/v1/objects/{type_id}", tenant.token, json={"properties": {"slug": "no-title"}})
    assert response.status_code == 400 and error_code(response) == "HOOK_REJECTED", response.text
    assert response.json()["error"]["message"] == "Title is required"
    assert data(await ext.rest("GET", f"/v1/objects/{type_id}/list", tenant.token))["results"] == []


async def test_other_collections_are_not_touched_by_the_article_filter(ext: Api, tenant: TenantHandle) -> None:
    type_id = await make_type(tenant, "notes", [{"name": "body", "data_type": "string"}])
    made = data(await ext.rest("POST", f"/v1/objects/{type_id}", tenant.token, json={"properties": {"body": "no title here"}}), 201)
    assert made["properties"] == {"body": "no title here"}


async def test_the_action_handler_runs_after_commit_in_the_extension_worker(ext: Api, tenant: TenantHandle, ext_pump: Pump) -> None:
    type_id = await articles_type(tenant)
    made = data(await ext.rest("POST", f"/v1/objects/{type_id}", tenant.token, json={"properties": {"title": "Logged"}}), 201)
    def runs() -> QuerySet[ExtensionRun]:
        return ExtensionRun.filter(tenant_id=tenant.tenant_id, target="python")

    assert await runs().count() == 0  # nothing ran on the request path

    async def sequenced() -> Event | None:
        return await Event.filter(tenant_id=tenant.tenant_id, object_id=made["id"], seq__not_isnull=True).first()

    async def finished() -> list[ExtensionRun]:
        await ext_pump.extensions.run_once()
        return [r for r in await runs() if r.status not in ("pending", "running")]

    event = await eventually(sequenced, ext_pump.runtime.realtime.relay.run_once)
    # The tenant's extension cursor starts just before the article's event, inside one transaction
    # with the worker's passes: a live server sharing the database (which does not load the example
    # extension) cannot take this tenant's events or runs meanwhile.
    async with db.transaction():
        await ExtensionCursor.create(tenant_id=tenant.tenant_id, last_seq=event.seq - 1)
        [run] = await eventually(finished)
    assert (run.status, run.error) == ("succeeded", None), run.error
    assert run.target_id == "articles.items.create#0" and run.event_type == "articles.items.create"
    assert run.meta is not None and run.meta["key"] == made["id"] and run.meta["payload"]["slug"] == "logged"
    await ext_pump()
    assert await runs().count() == 1  # once per event


# --- the tax-summary file route (spec 000) -----------------------------------------------------------


async def test_tax_summary_without_start_or_end_answers_the_contracts_400(ext: Api, tenant: TenantHandle) -> None:
    for query in ("", "?start=2024-01-01", "?end=2024-12-31"):
        response = await ext.rest("GET", f"/api/ext/slugify/tax-summary{query}", tenant.token)
        assert response.status_code == 400, response.text
        assert response.json() == MISSING_PERIOD


async def test_tax_summary_answers_the_period_and_the_records_inside_it(ext: Api, tenant: TenantHandle) -> None:
    await make_type(tenant, "tax_records", [{"name": "date", "data_type": "date"}, {"name": "amount", "data_type": "number"}])
    await make_objects(tenant, "tax_records", [
        {"date": "2023-12-31", "amount": 1}, {"date": "2024-01-01", "amount": 2}, {"date": "2024-06-15", "amount": 3}, {"date": "2025-01-01", "amount": 4},
    ])
    response = await ext.rest("GET", "/api/ext/slugify/tax-summary?start=2024-01-01&end=2024-12-31", tenant.token)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["period"] == {"start": "2024-01-01", "end": "2024-12-31"}
    assert sorted(r["amount"] for r in body["records"]) == [2, 3]
    assert all(r["id"] and r["date"].startswith("2024") for r in body["records"])
    assert response.headers["x-request-id"]


async def test_tax_summary_wants_a_workspace_api_key(ext: Api, tenant: TenantHandle) -> None:
    anonymous = await ext.rest("GET", "/api/ext/slugify/tax-summary?start=2024-01-01&end=2024-12-31")
    assert anonymous.status_code == 401 and set(anonymous.json()) == {"error"} and anonymous.json()["error"]
    as_user = await ext.rest("GET", "/api/ext/slugify/tax-summary?start=2024-01-01&end=2024-12-31", await user_token(ext, tenant))
    assert as_user.status_code == 401 and "API key" in as_user.json()["error"], as_user.text
    bogus = await ext.rest("GET", "/api/ext/slugify/tax-summary?start=2024-01-01&end=2024-12-31", "bsk_not-a-real-key")
    assert bogus.status_code == 401


async def test_unknown_extension_paths_and_methods_answer_in_the_contracts_shape(ext: Api, tenant: TenantHandle) -> None:
    missing = await ext.rest("GET", "/api/ext/slugify/no-such-route", tenant.token)
    assert missing.status_code == 404 and set(missing.json()) == {"error"}
    wrong_method = await ext.rest("POST", "/api/ext/slugify/tax-summary", tenant.token, json={})
    assert wrong_method.status_code == 405 and wrong_method.headers["allow"] == "GET"
    assert wrong_method.json()["error"] and wrong_method.json()["details"] == {"allowed": ["GET"]}


# --- routes registered with sdk.register_routes ------------------------------------------------------


async def customers_type(tenant: TenantHandle) -> str:
    return await make_type(tenant, "customers", [{"name": "name", "data_type": "string"}])


async def test_registered_routes_list_and_create_customers(ext: Api, tenant: TenantHandle) -> None:
    type_id = await customers_type(tenant)
    assert (await ext.rest("GET", "/api/ext/customers", tenant.token)).json() == {"data": []}
    created = await ext.rest("POST", "/api/ext/customers/", tenant.token, json={"name": "Ada"})
    assert created.status_code == 201, created.text
    new_id = created.json()["data"]["id"]
    listed = (await ext.rest("GET", "/api/ext/customers/", tenant.token)).json()["data"]
    assert [(c["id"], c["name"]) for c in listed] == [(new_id, "Ada")]
    stored = data(await ext.rest("GET", f"/v1/objects/{type_id}/{new_id}", tenant.token))
    assert stored["properties"]["name"] == "Ada"


async def test_registered_routes_check_each_callers_permission(ext: Api, tenant: TenantHandle) -> None:
    await customers_type(tenant)
    reader, writer = await scoped_key(ext, tenant, ["read"]), await scoped_key(ext, tenant, ["write"])
    assert (await ext.rest("GET", "/api/ext/customers", reader)).status_code == 200
    refused = await ext.rest("POST", "/api/ext/customers", reader, json={"name": "Nope"})
    assert refused.status_code == 403 and refused.json() == {"error": "Forbidden - insufficient permissions"}
    assert (await ext.rest("POST", "/api/ext/customers", writer, json={"name": "Bea"})).status_code == 201
    assert (await ext.rest("GET", "/api/ext/customers", writer)).status_code == 403
    anonymous = await ext.rest("GET", "/api/ext/customers")
    assert anonymous.status_code == 401 and anonymous.json() == {"error": "Unauthorized"}
    listed = (await ext.rest("GET", "/api/ext/customers", tenant.token)).json()["data"]
    assert [c["name"] for c in listed] == ["Bea"]


async def test_registered_routes_accept_a_user_token_and_stay_within_its_tenant(ext: Api, tenant: TenantHandle, other_tenant: TenantHandle) -> None:
    await customers_type(tenant)
    await customers_type(other_tenant)
    await make_objects(other_tenant, "customers", [{"name": "Other's customer"}])
    token = await user_token(ext, tenant)
    created = await ext.rest("POST", "/api/ext/customers", token, json={"name": "By a user"})
    assert created.status_code == 201, created.text
    listed = (await ext.rest("GET", "/api/ext/customers", token)).json()["data"]
    assert [c["name"] for c in listed] == ["By a user"]

