"""Plugins (`/v1/plugins`): a tenant installs an extension the operator shipped, with its own
config, and may disable or uninstall it. A plugin's routes (/api/v1/plugin/<name>/...) answer
only for tenants that have it installed and enabled; for the others they do not exist (404).
Managing needs scope `schema`, reading `read`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from models.plugins import Plugin
from resolvers.authz import require_scope
from resolvers.errors import AlreadyExists, FieldError, NotFound, ValidationError, reject_unknown_fields
from resolvers.ids import new_id
from resolvers.plugins import repository
from resolvers.plugins.schemas import Catalog, Extension
from resolvers.principal import Principal

if TYPE_CHECKING:
    from resolvers.runtime import Runtime

INSTALL_FIELDS = ("name", "version", "manifest_json", "config_json", "enabled")
UPDATE_FIELDS = ("name", "config_json", "enabled")


async def list_plugins(principal: Principal | None) -> list[Plugin]:
    caller = require_scope(principal, "read")
    return await repository.plugins_of(caller.tenant_id)


def available(principal: Principal | None, catalog: Catalog) -> list[Extension]:
    """What this server offers to install (its loaded extensions)."""
    require_scope(principal, "read")
    return list(catalog.extensions.values())


async def get_plugin(principal: Principal | None, plugin_id: str) -> Plugin:
    caller = require_scope(principal, "read")
    return await _plugin(caller.tenant_id, plugin_id)


async def install_plugin(principal: Principal | None, data: dict[str, Any], *, runtime: "Runtime") -> Plugin:
    caller = require_scope(principal, "schema")
    _known(data, INSTALL_FIELDS)
    name = data.get("name")
    extension = runtime.catalog.extensions.get(name) if isinstance(name, str) else None
    if extension is None:
        offered = ", ".join(sorted(runtime.catalog.extensions)) or "none"
        raise ValidationError.single("name", f"must name an extension this server offers (available: {offered})")
    version = data.get("version")
    if version is not None and (not isinstance(version, str) or (extension.version and version != extension.version)):
        raise ValidationError.single("version", f"this server offers {name} version {extension.version}")
    if await repository.by_name(caller.tenant_id, extension.name) is not None:
        raise AlreadyExists(f"Plugin {extension.name} is already installed")
    manifest = data.get("manifest_json", extension.manifest)
    if not isinstance(manifest, dict):
        raise ValidationError.single("manifest_json", "must be an object")
    plugin = Plugin(
        id=new_id("plg"), tenant_id=caller.tenant_id, name=extension.name, version=version or extension.version, manifest_json=manifest,
        config_json=checked_config(extension, data.get("config_json", {})), enabled=_flag(data.get("enabled", True)), created_by=caller.actor,
    )
    await plugin.save(force_create=True)
    return plugin


async def update_plugin(principal: Principal | None, plugin_id: str, patch: dict[str, Any], *, runtime: "Runtime") -> Plugin:
    caller = require_scope(principal, "schema")
    _known(patch, UPDATE_FIELDS)
    plugin = await _plugin(caller.tenant_id, plugin_id)
    if "name" in patch and patch["name"] != plugin.name:
        raise ValidationError.single("name", "is the extension the plugin installs; uninstall it and install the other one")
    if "config_json" in patch:
        extension = runtime.catalog.extensions.get(plugin.name)
        if extension is None:
            raise ValidationError.single("config_json", f"this server no longer offers {plugin.name}")
        plugin.config_json = checked_config(extension, patch["config_json"])
    if "enabled" in patch:
        plugin.enabled = _flag(patch["enabled"])
    await plugin.save()
    return plugin


async def uninstall_plugin(principal: Principal | None, plugin_id: str) -> str:
    caller = require_scope(principal, "schema")
    plugin = await _plugin(caller.tenant_id, plugin_id)
    await plugin.delete()
    return plugin.id


async def enabled_config(tenant_id: str, name: str) -> dict[str, Any] | None:
    """The tenant's config of an installed, enabled plugin; None when its routes must not exist."""
    plugin = await repository.by_name(tenant_id, name)
    return dict(plugin.config_json or {}) if plugin is not None and plugin.enabled else None


def checked_config(extension: Extension, value: Any) -> dict[str, Any]:
    """The config as the extension's CONFIG_SCHEMA (a pydantic model) accepts it, if it has one."""
    if not isinstance(value, dict):
        raise ValidationError.single("config_json", "must be an object")
    if extension.config_model is None:
        return value
    from pydantic import ValidationError as PydanticError

    try:
        return dict(extension.config_model.model_validate(value).model_dump(mode="json"))
    except PydanticError as exc:
        raise ValidationError([FieldError("config_json." + ".".join(str(p) for p in e["loc"]), e["msg"]) for e in exc.errors()]) from None


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValidationError.single("enabled", "must be true or false")
    return value


def _known(data: dict[str, Any], allowed: tuple[str, ...]) -> None:
    reject_unknown_fields(data, allowed, "plugin")


async def _plugin(tenant_id: str, plugin_id: str) -> Plugin:
    found = await repository.plugin(tenant_id, plugin_id)
    if found is None:
        raise NotFound(f"Plugin {plugin_id} not found")
    return found
