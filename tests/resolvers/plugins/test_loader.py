"""Loading file-based extensions at start (`resolvers/plugins/loader.py`), on small extension
folders written under tmp_path: route files mapped to URL patterns (nested folders, `[id]`
segments, `index.py`), `register(sdk)` hooks landing in the registry, and every way an extension
can be broken stopping the start with an error naming the file(s): a route exporting no method,
two files claiming one URL, a file route and a registered route claiming one URL, an import
error, a bad requiredPermission.
"""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from resolvers.hooks.registry import Registry
from resolvers.plugins.loader import load_catalog
from resolvers.plugins.schemas import Catalog, ExtensionLoadError

GET_ROUTE = "async def GET(ctx):\n    return {'ok': True}\n"


@pytest.fixture(autouse=True)
def forget_loaded_modules() -> Iterator[None]:
    """Extensions loaded here do not stay in sys.modules for other tests."""
    before = set(sys.modules)
    yield
    for name in set(sys.modules) - before:
        if name.startswith("basalt_extensions"):
            del sys.modules[name]


def write(root: Path, files: dict[str, str]) -> Path:
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return root


def load(root: Path) -> tuple[Catalog, Registry]:
    registry = Registry()
    return load_catalog(root, registry), registry


def failure(root: Path) -> str:
    with pytest.raises(ExtensionLoadError) as raised:
        load(root)
    return str(raised.value)


def shapes(catalog: Catalog, kind: str) -> dict[str, tuple[str, ...]]:
    """METHOD /shape -> the route's parameter names."""
    return {f"{r.method} {r.pattern.shape}": r.pattern.params for r in catalog.routes(kind)}


# --- what loads -----------------------------------------------------------------------------------


def test_a_missing_extensions_directory_gives_an_empty_catalog(tmp_path: Path) -> None:
    catalog, registry = load(tmp_path / "no-such-dir")
    assert catalog.extensions == {} and catalog.routes("file") == [] and registry.has_actions is False


def test_nested_folders_id_segments_and_index_files_map_to_their_url_patterns(tmp_path: Path) -> None:
    write(tmp_path, {
        "shop/api/tax-summary.py": GET_ROUTE,
        "shop/api/sync/customers.py": "async def POST(ctx):\n    return {}\n",
        "shop/api/items/[id].py": GET_ROUTE + "async def DELETE(ctx):\n    return {}\n",
        "shop/api/items/[id]/notes/[note].py": GET_ROUTE,
        "shop/api/reports/index.py": GET_ROUTE,
        "shop/api/_helpers.py": "VALUE = 1\n",  # private modules are not routes
        "shop/plugin/process.py": GET_ROUTE,
    })
    catalog, _ = load(tmp_path)
    assert list(catalog.extensions) == ["shop"]
    assert shapes(catalog, "file") == {
        "GET /shop/tax-summary": (),
        "POST /shop/sync/customers": (),
        "GET /shop/items/:": ("id",),
        "DELETE /shop/items/:": ("id",),
        "GET /shop/items/:/notes/:": ("id", "note"),
        "GET /shop/reports": (),
    }
    assert shapes(catalog, "plugin") == {"GET /shop/process": ()}
    assert catalog.extensions["shop"].is_plugin is True

    [note] = [r for r in catalog.routes("file") if r.pattern.params == ("id", "note")]
    assert note.pattern.match(["shop", "items", "42", "notes", "n-7"]) == {"id": "42", "note": "n-7"}
    assert note.pattern.match(["shop", "items", "42", "notes"]) is None
    assert note.source.endswith("shop/api/items/[id]/notes/[note].py") and note.auth == "api_key"


def test_a_route_files_config_sets_its_auth_mode(tmp_path: Path) -> None:
    write(tmp_path, {
        "hooks-in/api/webhook.py": "config = {'auth': 'public'}\n" + "async def POST(ctx):\n    return {}\n",
        "hooks-in/api/private.py": GET_ROUTE,
    })
    catalog, _ = load(tmp_path)
    assert {r.pattern.shape: r.auth for r in catalog.routes("file")} == {"/hooks-in/webhook": "public", "/hooks-in/private": "api_key"}

    write(tmp_path, {"hooks-in/api/odd.py": "config = {'auth': 'stripe_signature'}\n" + GET_ROUTE})
    message = failure(tmp_path)
    assert "odd.py" in message and "api_key, public" in message


def test_register_sdk_puts_hooks_in_the_registry_and_off_filter_takes_one_out(tmp_path: Path) -> None:
    write(tmp_path, {"hooked/__init__.py": """
        VERSION = "2.1.0"

        async def slug(payload, meta, context):
            return payload

        async def stamp(payload, meta, context):
            return payload

        async def dropped(payload, meta, context):
            return payload

        async def created(meta, context):
            return None

        def register(sdk):
            sdk.emitter.on_filter("articles.items.create", slug)
            sdk.emitter.onFilter("articles.items.create", dropped)
            sdk.emitter.on_filter("items.update", stamp)
            sdk.emitter.on_action("articles.items.create", created)
            sdk.emitter.off_filter("articles.items.create", dropped)
    """})
    catalog, registry = load(tmp_path)
    module = sys.modules["basalt_extensions.hooked"]
    assert registry.filters(["items.create", "articles.items.create"]) == [module.slug]
    assert registry.filters(["items.update"]) == [module.stamp]
    assert registry.actions(["articles.items.create"]) == [("articles.items.create", 0, module.created)]
    assert registry.has_actions is True
    assert catalog.extensions["hooked"].version == "2.1.0" and catalog.extensions["hooked"].routes == []


def test_registered_routes_get_their_base_path_params_and_permission(tmp_path: Path) -> None:
    write(tmp_path, {"crm/__init__.py": """
        async def handler(request, context):
            return {}

        def register(sdk):
            sdk.register_routes({"name": "crm", "basePath": "/customers", "routes": [
                {"method": "GET", "path": "/", "requiredPermission": "customers.read", "handler": handler},
                {"method": "patch", "path": "/:id", "requiredPermission": "customers.update", "handler": handler},
                {"method": "DELETE", "path": "/:id", "required_permission": "objects:customers:delete", "handler": handler},
            ]})
    """})
    catalog, _ = load(tmp_path)
    routes = {f"{r.method} {r.pattern.shape}": (r.pattern.params, r.permission) for r in catalog.routes("sdk")}
    assert routes == {
        "GET /customers": ((), "objects:customers:read"),
        "PATCH /customers/:": (("id",), "objects:customers:write"),
        "DELETE /customers/:": (("id",), "objects:customers:delete"),
    }


def test_a_file_route_and_a_plugin_route_with_one_path_do_not_collide(tmp_path: Path) -> None:
    write(tmp_path, {"both/api/process.py": GET_ROUTE, "both/plugin/process.py": GET_ROUTE})
    catalog, _ = load(tmp_path)
    assert list(shapes(catalog, "file")) == ["GET /both/process"] and list(shapes(catalog, "plugin")) == ["GET /both/process"]


# --- what stops the start ------------------------------------------------------------------------


def test_a_route_file_exporting_no_method_stops_the_start_naming_the_file(tmp_path: Path) -> None:
    write(tmp_path, {
        "broken/api/fine.py": GET_ROUTE,
        "broken/api/sync/empty.py": "config = {'auth': 'api_key'}\n\ndef get(ctx):\n    return {}\n",  # lower-case is not a method
    })
    message = failure(tmp_path)
    assert "route must export at least one HTTP method handler" in message
    assert str(tmp_path / "broken" / "api" / "sync" / "empty.py") in message


def test_two_files_claiming_one_url_stop_the_start_naming_both(tmp_path: Path) -> None:
    write(tmp_path, {"dup/api/items/[id].py": GET_ROUTE, "dup/api/items/[key].py": GET_ROUTE})
    message = failure(tmp_path)
    assert "[id].py" in message and "[key].py" in message and "GET /dup/items/:" in message


def test_one_url_with_different_methods_in_two_files_is_not_a_conflict(tmp_path: Path) -> None:
    write(tmp_path, {"split/api/items/[id].py": GET_ROUTE, "split/api/items/[key].py": "async def PUT(ctx):\n    return {}\n"})
    catalog, _ = load(tmp_path)
    assert shapes(catalog, "file") == {"GET /split/items/:": ("id",), "PUT /split/items/:": ("key",)}


def test_a_file_route_and_a_registered_route_claiming_one_url_stop_the_start(tmp_path: Path) -> None:
    write(tmp_path, {
        "clash/__init__.py": """
            async def listing(request, context):
                return {}

            def register(sdk):
                sdk.register_routes({"name": "clash", "base_path": "/clash/orders", "routes": [
                    {"method": "GET", "path": "/", "handler": listing},
                ]})
        """,
        "clash/api/orders.py": GET_ROUTE,
    })
    message = failure(tmp_path)
    assert "GET /clash/orders" in message
    assert str(tmp_path / "clash" / "api" / "orders.py") in message and "clash/__init__.py" in message


def test_a_route_file_that_fails_to_import_stops_the_start_naming_the_file(tmp_path: Path) -> None:
    write(tmp_path, {"needs/api/report.py": "import a_module_nobody_installed\n" + GET_ROUTE})
    message = failure(tmp_path)
    assert str(tmp_path / "needs" / "api" / "report.py") in message
    assert "failed to import" in message and "a_module_nobody_installed" in message


def test_an_extension_package_that_fails_to_import_or_register_stops_the_start(tmp_path: Path) -> None:
    write(tmp_path / "one", {"typo/__init__.py": "def register(sdk)\n    pass\n"})
    message = failure(tmp_path / "one")
    assert str(tmp_path / "one" / "typo" / "__init__.py") in message and "SyntaxError" in message

    write(tmp_path / "two", {"raises/__init__.py": "def register(sdk):\n    raise RuntimeError('no config file')\n"})
    message = failure(tmp_path / "two")
    assert "raises/__init__.py" in message and "register(sdk) failed" in message and "no config file" in message


def test_a_bad_required_permission_stops_the_start(tmp_path: Path) -> None:
    write(tmp_path, {"perm/__init__.py": """
        async def handler(request, context):
            return {}

        def register(sdk):
            sdk.register_routes({"name": "perm", "base_path": "/things", "routes": [
                {"method": "GET", "path": "/", "requiredPermission": "things.frobnicate", "handler": handler},
            ]})
    """})
    message = failure(tmp_path)
    assert "perm/__init__.py" in message and "requiredPermission 'things.frobnicate'" in message


def test_an_extension_folder_with_an_invalid_name_stops_the_start(tmp_path: Path) -> None:
    write(tmp_path, {"Bad Name/api/x.py": GET_ROUTE})
    assert "Bad Name" in failure(tmp_path)
