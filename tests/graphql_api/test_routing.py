"""The indexed router picks exactly the route Starlette's full scan would pick."""

from __future__ import annotations

import re

import pytest
from starlette.applications import Starlette
from starlette.routing import BaseRoute, Match

from graphql_api.routing import IndexedRouter

METHODS = ("GET", "POST", "PATCH", "PUT", "DELETE")


def chosen(routes: list[BaseRoute], method: str, path: str) -> tuple[BaseRoute | None, str]:
    """What a router does with the request: the first full match, else the first partial one."""
    scope = {"type": "http", "method": method, "path": path, "root_path": "", "headers": [], "query_string": b""}
    partial = None
    for route in routes:
        match, _ = route.matches(dict(scope))
        if match is Match.FULL:
            return route, "full"
        if match is Match.PARTIAL and partial is None:
            partial = route
    return partial, "partial" if partial is not None else "none"


def sample_paths(app: Starlette) -> list[str]:
    """Every route's path with its parameters filled in, plus paths no route serves."""
    paths = [re.sub(r"\{[^}]+\}", "x_1", getattr(route, "path", "/")) for route in app.routes]
    return [*paths, "/", "/nowhere", "/v1", "/v1/", "/v1/keys/", "/v1/objects/a/b/c/d/e/f/g", "/health/extra"]


def test_every_path_and_method_goes_where_starlette_would_send_it(app: Starlette) -> None:
    router = app.router
    assert isinstance(router, IndexedRouter)
    checked = 0
    for path in sample_paths(app):
        for method in METHODS:
            assert chosen(router._candidates(path), method, path) == chosen(app.routes, method, path), (method, path)
            checked += 1
    assert checked > 5 * len(app.routes)


@pytest.mark.parametrize("path", ["/v1/objects/t/o", "/health", "/graphql"])
def test_the_index_tries_far_fewer_routes_than_a_full_scan(app: Starlette, path: str) -> None:
    assert len(app.router._candidates(path)) * 2 < len(app.routes)
