"""Bulk import (inline JSON, JSON file, CSV file) and durable asynchronous export."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import signal
import time
from collections.abc import AsyncIterator
from datetime import datetime, timedelta, timezone

import httpx
import pytest
from starlette.applications import Starlette

from graphql_api.settings import Settings
from models.data_io import DataExport
from resolvers.data_io import service as data_io
from resolvers.data_io.worker import ExportWorker
from resolvers.storage.service import open_storage
from tests.conftest import free_port, start_server, stop_server
from tests.support import Api, TenantHandle, bearer, data, error_code, gql_code, make_objects, make_type, principal_of

LEADS = [
    {"name": "name", "data_type": "string", "is_required": True},
    {"name": "email", "data_type": "email", "is_unique": True},
    {"name": "score", "data_type": "integer"},
    {"name": "active", "data_type": "boolean"},
    {"name": "price", "data_type": "decimal"},
]


@pytest.fixture
async def storage(app: Starlette, settings: Settings) -> AsyncIterator[None]:
    """The in-process app runs no lifespan: open its storage for export tests."""
    app.state.runtime.storage = await open_storage(settings.storage_url)
    yield
    await app.state.runtime.storage.close()
    app.state.runtime.storage = None


async def test_inline_json_import_reports_invalid_rows(api: Api, tenant: TenantHandle) -> None:
    type_id = await make_type(tenant, "leads", LEADS)
    rows = [
        {"name": "Ann", "email": "ann@example.com", "score": 3},
        {"name": "Bob", "email": "not-an-email"},
        {"email": "nameless@example.com"},
        {"properties": {"name": "Cy", "score": "7"}},
    ]
    body = {"object_type_id": type_id, "format": "json", "data": rows}
    result = data(await api.rest("POST", "/v1/data/import", tenant.token, json=body))
    assert (result["imported"], result["total"]) == (1, 4)
    assert {(e["row"], e["property"]) for e in result["errors"]} == {(2, "email"), (3, "name"), (4, "score")}
    listed = data(await api.rest("GET", f"/v1/objects/{type_id}/list", tenant.token))
    assert [o["properties"]["name"] for o in listed["results"]] == ["Ann"]


async def test_csv_file_import_converts_cells_by_type(api: Api, tenant: TenantHandle) -> None:
    type_id = await make_type(tenant, "leads", LEADS)
    text = "name,email,score,active,price,note\nAnn,ann@Example.COM,3,yes,12.50,hi\nBob,,x,no,,\nCy,cy@example.com,,true,0.10,\n"
    files = {"file": ("leads.csv", text.encode(), "text/csv")}
    result = data(await api.rest("POST", "/v1/data/import", tenant.token, files=files, data={"object_type_id": type_id}))
    assert (result["imported"], result["total"]) == (2, 3)
    assert result["errors"] == [{"row": 2, "property": "score", "message": "must be a whole number"}]
    objects = data(await api.rest("POST", f"/v1/objects/{type_id}/batch/read", tenant.token, json={"object_ids": result["ids"]}))
    ann = objects[0]["properties"]
    assert ann == {"name": "Ann", "email": "ann@example.com", "score": 3, "active": True, "price": "12.50", "note": "hi"}
    assert objects[1]["properties"]["price"] == "0.10" and "score" not in objects[1]["properties"]


async def test_json_file_import_and_graphql_import(api: Api, tenant: TenantHandle) -> None:
    type_id = await make_type(tenant, "leads", LEADS)
    files = {"file": ("rows.json", json.dumps([{"name": "Ann"}, {"name": "Bo"}]).encode(), "application/json")}
    result = data(await api.rest("POST", "/v1/data/import", tenant.token, files=files, data={"object_type_id": type_id}))
    assert result["imported"] == 2 and result["errors"] == []

    gql = await api.gql(
        "mutation($t: String!) { importData(input: {objectTypeId: $t, data: [{name: \"Cy\"}, {score: 1}]}) { imported total errors { row property } } }",
        tenant.token, t=type_id,
    )
    assert gql.get("data") and gql["data"]["importData"] == {"imported": 1, "total": 2, "errors": [{"row": 2, "property": "name"}]}


async def test_unique_values_are_checked_against_the_database_and_within_the_import(api: Api, tenant: TenantHandle) -> None:
    type_id = await make_type(tenant, "leads", LEADS)
    await make_objects(tenant, type_id, [{"name": "Old", "email": "taken@example.com"}])
    rows = [{"name": "A", "email": "taken@example.com"}, {"name": "B", "email": "new@example.com"}, {"name": "C", "email": "new@example.com"}]
    result = data(await api.rest("POST", "/v1/data/import", tenant.token, json={"object_type_id": type_id, "data": rows}))
    assert result["imported"] == 1
    assert [(e["row"], e["property"]) for e in result["errors"]] == [(1, "email"), (3, "email")]


async def test_import_limits_and_bad_input(api: Api, tenant: TenantHandle, other_tenant: TenantHandle) -> None:
    type_id = await make_type(tenant, "leads", LEADS)
    too_many = await api.rest("POST", "/v1/data/import", tenant.token, json={"object_type_id": type_id, "data": [{"name": "x"}] * 10_001})
    assert too_many.status_code == 400 and "10000" in too_many.json()["error"]["message"]
    bad_format = await api.rest("POST", "/v1/data/import", tenant.token, json={"object_type_id": type_id, "format": "xml", "data": []})
    assert bad_format.status_code == 400
    no_rows = await api.rest("POST", "/v1/data/import", tenant.token, json={"object_type_id": type_id})
    assert no_rows.status_code == 400
    elsewhere = await api.rest("POST", "/v1/data/import", other_tenant.token, json={"object_type_id": type_id, "data": [{"name": "x"}]})
    assert elsewhere.status_code == 404


async def _wait_for_export(api: Api, token: str, export_id: str, worker: ExportWorker | None = None) -> httpx.Response:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if worker is not None:
            await worker.run_once()
        response = await api.rest("GET", f"/v1/data/export/{export_id}", token)
        if response.status_code != 202:
            return response
        await asyncio.sleep(0.1)
    raise AssertionError("export did not finish")


async def test_csv_export_neutralises_formulas(api: Api, app: Starlette, storage: None, tenant: TenantHandle) -> None:
    type_id = await make_type(tenant, "leads", LEADS)
    await make_objects(tenant, type_id, [{"name": "=HYPERLINK(\"x\")", "score": -5}, {"name": "+1", "price": "-2.50"}, {"name": "@me"}])
    started = data(await api.rest("POST", "/v1/data/export", tenant.token, json={"object_type_id": type_id, "format": "csv"}))
    assert started["record_count"] == 3 and started["download_path"] == f"/v1/data/export/{started['export_id']}"
    pending = await api.rest("GET", started["download_path"], tenant.token)
    assert pending.status_code in (200, 202)

    response = await _wait_for_export(api, tenant.token, started["export_id"], ExportWorker(app.state.runtime, worker_id="test"))
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert sorted(r["name"] for r in rows) == ["'+1", "'=HYPERLINK(\"x\")", "'@me"]
    assert {r["score"] for r in rows} == {"-5", ""} and "-2.50" in {r["price"] for r in rows}


async def test_json_export_with_filter_and_status_over_graphql(api: Api, app: Starlette, storage: None, tenant: TenantHandle) -> None:
    type_id = await make_type(tenant, "leads", LEADS)
    await make_objects(tenant, type_id, [{"name": f"n{i}", "score": i} for i in range(5)])
    body = {"object_type_id": type_id, "format": "json", "filter": {"score": {"gte": 3}}}
    started = data(await api.rest("POST", "/v1/data/export", tenant.token, json=body))
    assert started["record_count"] == 2
    response = await _wait_for_export(api, tenant.token, started["export_id"], ExportWorker(app.state.runtime, worker_id="test"))
    exported = response.json()
    assert sorted(o["properties"]["score"] for o in exported) == [3, 4]

    status = await api.gql("query($id: ID!) { dataExport(id: $id) { status recordCount processed } }", tenant.token, id=started["export_id"])
    assert status["data"]["dataExport"] == {"status": "completed", "recordCount": 2, "processed": 2}


async def test_export_limits_and_isolation(api: Api, tenant: TenantHandle, other_tenant: TenantHandle, monkeypatch: pytest.MonkeyPatch) -> None:
    type_id = await make_type(tenant, "leads", LEADS)
    await make_objects(tenant, type_id, [{"name": f"n{i}"} for i in range(3)])
    monkeypatch.setattr(data_io, "EXPORT_MAX_RECORDS", 2)
    too_big = await api.rest("POST", "/v1/data/export", tenant.token, json={"object_type_id": type_id})
    assert too_big.status_code == 400 and error_code(too_big) == "VALIDATION_ERROR"
    monkeypatch.undo()
    started = data(await api.rest("POST", "/v1/data/export", tenant.token, json={"object_type_id": type_id, "format": "csv"}))
    assert error_code(await api.rest("GET", f"/v1/data/export/{started['export_id']}", other_tenant.token)) == "NOT_FOUND"
    missing = await api.gql('{ dataExport(id: "exp_missing") { status } }', tenant.token)
    assert gql_code(missing) == "NOT_FOUND"


async def test_an_abandoned_export_is_taken_over_when_its_lease_runs_out(app: Starlette, storage: None, tenant: TenantHandle) -> None:
    type_id = await make_type(tenant, "leads", LEADS)
    await make_objects(tenant, type_id, [{"name": "a"}])
    started = await data_io.start_export(principal_of(tenant), type_id, "json")
    await DataExport.filter(id=started.export_id).update(
        status="running", claimed_by="dead-worker", lease_until=datetime.now(timezone.utc) - timedelta(seconds=1)
    )
    worker = ExportWorker(app.state.runtime, worker_id="survivor")
    deadline = time.monotonic() + 10
    while (await DataExport.get(id=started.export_id)).status != "completed" and time.monotonic() < deadline:
        await worker.run_once()
    job = await DataExport.get(id=started.export_id)
    assert job.status == "completed" and job.record_count == 1


async def test_export_started_before_a_restart_finishes_after_it(server_env: dict[str, str], tenant: TenantHandle) -> None:
    """Server A accepts the export with its workers off and is killed; server B finishes it."""
    type_id = await make_type(tenant, "leads", LEADS)
    await make_objects(tenant, type_id, [{"name": f"n{i}"} for i in range(3)])

    port_a = free_port()
    server_a = start_server({**server_env, "BASALT_WORKERS": "false"}, port_a)
    try:
        response = httpx.post(
            f"http://127.0.0.1:{port_a}/v1/data/export", json={"object_type_id": type_id, "format": "csv"}, headers=bearer(tenant.token)
        )
        export_id = response.json()["data"]["export_id"]
        # 202 while waiting; the session's live server (if one runs) may already have done it
        assert httpx.get(f"http://127.0.0.1:{port_a}/v1/data/export/{export_id}", headers=bearer(tenant.token)).status_code in (200, 202)
    finally:
        os.kill(server_a.pid, signal.SIGKILL)
        server_a.wait(timeout=10)

    port_b = free_port()
    server_b = start_server(server_env, port_b)
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            response = httpx.get(f"http://127.0.0.1:{port_b}/v1/data/export/{export_id}", headers=bearer(tenant.token))
            if response.status_code == 200:
                break
            time.sleep(0.2)
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
        assert len(list(csv.DictReader(io.StringIO(response.text)))) == 3
    finally:
        stop_server(server_b)
