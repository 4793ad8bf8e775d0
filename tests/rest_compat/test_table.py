"""The route table against the contract, and what is derived from it (routing order, OpenAPI, docs)."""

from __future__ import annotations

import csv
from pathlib import Path

from openapi_spec_validator import validate

from rest_compat.mapping import RestRoute
from rest_compat.routes import ROUTES
from tests.support import Api

SPEC = Path(__file__).resolve().parents[2] / "docs" / "spec" / "endpoints.tsv"
IMPLEMENTED_GROUPS = {"Public", "Tenants", "API Keys"}
PAGES = {("GET", "/"), ("GET", "/docs"), ("GET", "/docs/openapi.json")}


def documented() -> set[tuple[str, str, str]]:
    with SPEC.open() as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    return {(r["method"], r["path"], r["auth"]) for r in rows if r["group"] in IMPLEMENTED_GROUPS}


def test_table_matches_the_documented_routes_of_implemented_groups() -> None:
    table = {(r.method, r.path, r.auth) for r in ROUTES}
    expected = {row for row in documented() if row[:2] not in PAGES}
    assert table == expected


def test_literal_segments_sort_before_params() -> None:
    static = RestRoute("GET", "/v1/objects/:type/list", "x", "g", "s")
    dynamic = RestRoute("GET", "/v1/objects/:type/:id", "x", "g", "s")
    assert sorted([dynamic, static], key=lambda r: r.specificity) == [static, dynamic]


async def test_openapi_is_valid_and_covers_the_table(api: Api) -> None:
    response = await api.rest("GET", "/docs/openapi.json")
    spec = response.json()
    validate(spec)
    operations = {(m.upper(), p) for p, methods in spec["paths"].items() for m in methods}
    assert operations == {(r.method, r.starlette_path) for r in ROUTES}
    create = spec["paths"]["/v1/keys"]["post"]
    assert create["requestBody"]["content"]["application/json"]["schema"]["required"] == ["label", "scopes"]
    created = create["responses"]["201"]["content"]["application/json"]["schema"]["properties"]["data"]
    assert set(created["properties"]) == {"key", "token"}
    assert create["security"] == [{"bearer": []}]
    assert spec["paths"]["/health"]["get"]["security"] == []


async def test_docs_page_is_self_contained_html(api: Api) -> None:
    response = await api.rest("GET", "/docs")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    assert "/v1/keys/{key_id}/rotate" in response.text
    assert "http://" not in response.text and "https://" not in response.text  # no CDN assets
