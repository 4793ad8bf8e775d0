"""Loading file-based extensions at start (operator code, trusted): `extensions/<name>/`.

    extensions/<name>/__init__.py        register(sdk): hooks (sdk.emitter) and routes (sdk.register_routes)
    extensions/<name>/api/<path>.py      file routes at /api/ext/<name>/<path> (../spec/000)
    extensions/<name>/plugin/<path>.py   plugin routes at /api/v1/plugin/<name>/<path> (../spec/001)

Route files export handlers named after HTTP methods; `[id]` folders or files are path
parameters. A route file exporting no method, two files claiming one URL, or an extension that
fails to import stops the server from starting, with the file named: a broken extension is found
at deploy time, not by the first request.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from resolvers.hooks.registry import Registry
from resolvers.plugins.schemas import (
    AUTH_MODES,
    METHODS,
    NAME,
    PARAM_SEGMENT,
    Catalog,
    Extension,
    ExtensionLoadError,
    ExtensionRoute,
    RoutePattern,
)
from resolvers.plugins.sdk import Sdk

MODULE_PREFIX = "basalt_extensions"


def load_catalog(directory: Path, registry: Registry) -> Catalog:
    catalog = Catalog()
    if not directory.is_dir():
        return catalog
    for path in sorted(p for p in directory.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))):
        if not NAME.match(path.name):
            raise ExtensionLoadError(f"{path}: an extension's folder name must be lower-case letters, digits, - or _")
        catalog.extensions[path.name] = load_extension(path, registry)
    check_conflicts(catalog)
    return catalog


def load_extension(path: Path, registry: Registry) -> Extension:
    extension = Extension(name=path.name, path=path)
    package = path / "__init__.py"
    if package.exists():
        module = _import(f"{MODULE_PREFIX}.{_identifier(path.name)}", package, package=True)
        extension.version = getattr(module, "VERSION", None)
        extension.description = getattr(module, "DESCRIPTION", None) or (module.__doc__ or "").strip().split("\n")[0] or None
        extension.manifest = dict(getattr(module, "MANIFEST", {}) or {})
        extension.config_model = getattr(module, "CONFIG_SCHEMA", None)
        register = getattr(module, "register", None)
        if callable(register):
            try:
                register(Sdk(extension, registry))
            except ExtensionLoadError:
                raise
            except Exception as exc:
                raise ExtensionLoadError(f"{package}: register(sdk) failed: {type(exc).__name__}: {exc}") from exc
    extension.routes.extend(file_routes(extension.name, path / "api", kind="file"))
    extension.routes.extend(file_routes(extension.name, path / "plugin", kind="plugin"))
    return extension


def file_routes(extension: str, root: Path, *, kind: str) -> list[ExtensionRoute]:
    if not root.is_dir():
        return []
    routes = []
    for file in sorted(root.rglob("*.py")):
        if file.name.startswith("_"):
            continue
        relative = file.relative_to(root).with_suffix("")
        parts = [p for p in relative.parts if p != "index"]
        pattern = _pattern([extension, *parts], file)
        module = _import(f"{MODULE_PREFIX}.{_identifier(extension)}.{kind}.{'.'.join(_identifier(p) for p in relative.parts)}", file)
        handlers = {m: getattr(module, m) for m in METHODS if callable(getattr(module, m, None))}
        if not handlers:
            raise ExtensionLoadError(f"{file}: route must export at least one HTTP method handler (e.g. POST = api(...))")
        config = getattr(module, "config", None) or {}
        auth = config.get("auth", "api_key") if isinstance(config, dict) else None
        if kind == "file" and auth not in AUTH_MODES:
            raise ExtensionLoadError(f"{file}: config auth must be one of {', '.join(AUTH_MODES)}")
        schemas = _schemas(module, file)
        for method, handler in handlers.items():
            routes.append(ExtensionRoute(
                kind=kind, extension=extension, method=method, pattern=pattern, handler=handler, source=str(file),
                auth=auth if kind == "file" else "authenticated", description=(handler.__doc__ or "").strip() or None,
                input_model=schemas.get(method),
            ))
    return routes


def check_conflicts(catalog: Catalog) -> None:
    """Two handlers for one method and URL shape would leave the winner to chance: refuse."""
    for kinds in (("file", "sdk"), ("plugin",)):
        seen: dict[tuple[str, str], ExtensionRoute] = {}
        for route in (r for k in kinds for r in catalog.routes(k)):
            key = (route.method, route.pattern.shape)
            if key in seen:
                raise ExtensionLoadError(f"{route.source} and {seen[key].source} both claim {route.method} {route.pattern.shape}")
            seen[key] = route


def _schemas(module: ModuleType, file: Path) -> dict[str, Any]:
    """Plugin routes declare their input: `schemas = {"POST": Model}` or `input_schema = Model`
    (for POST, PUT and PATCH); a Model is a pydantic model."""
    declared = getattr(module, "schemas", None)
    if declared is None:
        model = getattr(module, "input_schema", None)
        declared = {m: model for m in ("POST", "PUT", "PATCH")} if model is not None else {}
    if not isinstance(declared, dict) or not all(hasattr(m, "model_validate") for m in declared.values()):
        raise ExtensionLoadError(f"{file}: schemas must map HTTP methods to pydantic models")
    return declared


def _pattern(parts: list[str], file: Path) -> RoutePattern:
    segments: list[str | None] = []
    params: list[str] = []
    for part in parts:
        found = PARAM_SEGMENT.match(part)
        if found:
            if found.group(1) in params:
                raise ExtensionLoadError(f"{file}: the path parameter [{found.group(1)}] appears twice")
            segments.append(None)
            params.append(found.group(1))
        else:
            segments.append(part)
    return RoutePattern(tuple(segments), tuple(params))


def _identifier(part: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in part)


def _import(name: str, file: Path, *, package: bool = False) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, file, submodule_search_locations=[str(file.parent)] if package else None)
    if spec is None or spec.loader is None:
        raise ExtensionLoadError(f"{file}: cannot be imported")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        sys.modules.pop(name, None)
        raise ExtensionLoadError(f"{file}: failed to import: {type(exc).__name__}: {exc}") from exc
    return module
