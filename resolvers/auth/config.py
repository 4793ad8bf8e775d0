"""A tenant's auth configuration: defaults, validation of partial updates, and the typed view the
auth services read (providers, password policy, token lifetimes, redirect allow-list, templates)."""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

from models.auth import AuthConfig
from resolvers.auth.schemas import ACCESS_TOKEN_SECONDS, PASSWORD_MIN_LENGTH, REFRESH_TOKEN_DAYS
from resolvers.audit import service as audit
from resolvers.authz import require_scope
from resolvers.errors import FieldError, Forbidden, ValidationError
from resolvers.governance import service as governance
from resolvers.principal import Principal

PROVIDERS = ("email", "anonymous", "phone")
TEMPLATES = ("verification", "reset_password", "magic_link", "email_change")
PLACEHOLDERS = ("link", "token", "email", "app_name", "expires_in", "expires_minutes")  # {{ link }} and so on in templates
PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_]+)\s*\}\}")
MAX_REDIRECTS = 50
MAX_TEMPLATE_CHARS = 10_000

DEFAULTS: dict[str, Any] = {
    "providers": {name: {"enabled": True} for name in PROVIDERS},
    "password_policy": {"min_length": PASSWORD_MIN_LENGTH},
    "access_token_ttl_seconds": ACCESS_TOKEN_SECONDS,
    "refresh_token_ttl_days": REFRESH_TOKEN_DAYS,
    "site_url": None,
    "redirect_allow_list": [],
    "email_templates": {name: {"subject": None, "body": None} for name in TEMPLATES},
}


class ProviderDisabled(Forbidden):
    code = "PROVIDER_DISABLED"
    default_message = "This sign-in method is turned off for this app"


@dataclass(frozen=True)
class Policy:
    """What the auth flows need from the configuration."""

    providers: dict[str, bool]
    password_min_length: int
    access_token_ttl_seconds: int
    refresh_token_ttl_days: int

    def require(self, provider: str) -> None:
        if not self.providers.get(provider, False):
            raise ProviderDisabled(f"Sign-in with {provider} is turned off for this app")


async def policy(tenant_id: str) -> Policy:
    """The auth config as the flows read it; governance's password minimum applies on top."""
    config = await _stored(tenant_id)
    governed = await governance.current(tenant_id)
    return Policy(
        providers={name: bool(config["providers"][name]["enabled"]) for name in PROVIDERS},
        password_min_length=max(int(config["password_policy"]["min_length"]), governed.password_min_length or 0),
        access_token_ttl_seconds=int(config["access_token_ttl_seconds"]),
        refresh_token_ttl_days=int(config["refresh_token_ttl_days"]),
    )


@dataclass(frozen=True)
class MailSettings:
    """What the auth mails need: where links point and the tenant's own wording."""

    site_url: str | None
    templates: dict[str, dict[str, str | None]]


async def mail_settings(tenant_id: str) -> MailSettings:
    config = await _stored(tenant_id)
    return MailSettings(site_url=config["site_url"], templates=config["email_templates"])


async def checked_redirect(tenant_id: str, redirect_to: Any) -> str | None:
    """`redirect_to` if the tenant allows it, None if absent; anything else is refused, so a mailed
    link can never send its token to a site the tenant did not list."""
    if redirect_to is None or redirect_to == "":
        return None
    if not _http_url(redirect_to):
        raise _redirect_refused()
    config = await _stored(tenant_id)
    site = config["site_url"]
    allowed = [*config["redirect_allow_list"], *([site, site.rstrip("/") + "/*"] if site else [])]
    if not any(_redirect_matches(redirect_to, entry) for entry in allowed):
        raise _redirect_refused()
    return redirect_to


def _redirect_refused() -> ValidationError:
    return ValidationError.single("redirect_to", "is not allowed: list it in the auth config (redirect_allow_list, or below site_url)")


def _redirect_matches(url: str, entry: str) -> bool:
    """Exact, or with a trailing `*` any path below the entry's path on the very same origin (so
    `https://app.example.com/*` never admits `https://app.example.com.evil.net`)."""
    if not entry.endswith("*"):
        return url == entry
    wanted, given = urlparse(entry[:-1]), urlparse(url)
    return (given.scheme, given.netloc) == (wanted.scheme, wanted.netloc) and given.path.startswith(wanted.path)


async def get_config(principal: Principal | None) -> dict[str, Any]:
    caller = require_scope(principal, "auth")
    return await _stored(caller.tenant_id)


async def update_config(principal: Principal | None, patch: Any) -> dict[str, Any]:
    """A partial update: nested objects merge, lists and values replace; unknown keys are refused."""
    caller = require_scope(principal, "auth")
    if not isinstance(patch, dict):
        raise ValidationError.single("config", "must be a JSON object")
    current = await _stored(caller.tenant_id)
    merged = _merge(current, patch, "", errors := [])
    if errors:
        raise ValidationError(errors)
    _check(merged, errors)
    if errors:
        raise ValidationError(errors)
    row, _ = await AuthConfig.get_or_create(tenant_id=caller.tenant_id, defaults={"config": {}})
    row.config = merged
    await row.save()
    await audit.record(caller, "auth_config.updated", "auth_config", caller.tenant_id, before=current, after=merged)
    return merged


async def _stored(tenant_id: str) -> dict[str, Any]:
    row = await AuthConfig.get_or_none(tenant_id=tenant_id)
    return _merge(DEFAULTS, row.config if row else {}, "", [])


def _merge(base: dict[str, Any], patch: dict[str, Any], path: str, errors: list[FieldError]) -> dict[str, Any]:
    merged = copy.deepcopy(base)
    for key, value in patch.items():
        where = f"{path}{key}"
        if key not in base:
            errors.append(FieldError(where, f"is not a setting; use one of {', '.join(base)}"))
        elif isinstance(base[key], dict) and base[key]:
            if not isinstance(value, dict):
                errors.append(FieldError(where, "must be an object"))
            else:
                merged[key] = _merge(base[key], value, f"{where}.", errors)
        else:
            merged[key] = value
    return merged


def _check(config: dict[str, Any], errors: list[FieldError]) -> None:
    for name in PROVIDERS:
        if not isinstance(config["providers"][name]["enabled"], bool):
            errors.append(FieldError(f"providers.{name}.enabled", "must be true or false"))
    _integer(config["password_policy"]["min_length"], "password_policy.min_length", 6, 128, errors)
    _integer(config["access_token_ttl_seconds"], "access_token_ttl_seconds", 300, 86_400, errors)
    _integer(config["refresh_token_ttl_days"], "refresh_token_ttl_days", 1, 365, errors)
    site = config["site_url"]
    if site is not None and not _http_url(site):
        errors.append(FieldError("site_url", "must be an http(s) URL"))
    redirects = config["redirect_allow_list"]
    if not isinstance(redirects, list) or len(redirects) > MAX_REDIRECTS:
        errors.append(FieldError("redirect_allow_list", f"must be a list of at most {MAX_REDIRECTS} URLs"))
    else:
        errors.extend(
            FieldError(f"redirect_allow_list[{i}]", "must be an http(s) URL (a trailing * allows any path below it)")
            for i, url in enumerate(redirects)
            if not _http_url(url.removesuffix("*") if isinstance(url, str) else url)
        )
    for name in TEMPLATES:
        for part in ("subject", "body"):
            text = config["email_templates"][name][part]
            if text is not None and (not isinstance(text, str) or len(text) > MAX_TEMPLATE_CHARS):
                errors.append(FieldError(f"email_templates.{name}.{part}", f"must be text of at most {MAX_TEMPLATE_CHARS} characters"))
            elif text is not None and (unknown := sorted({m for m in PLACEHOLDER.findall(text) if m not in PLACEHOLDERS})):
                allowed = ", ".join("{{ %s }}" % p for p in PLACEHOLDERS)
                errors.append(FieldError(f"email_templates.{name}.{part}", f"uses unknown placeholders {', '.join(unknown)}; use {allowed}"))


def _integer(value: Any, field: str, low: int, high: int, errors: list[FieldError]) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        errors.append(FieldError(field, f"must be an integer from {low} to {high}"))


def _http_url(value: Any) -> bool:
    if not isinstance(value, str) or len(value) > 2000:
        return False
    parsed = urlparse(value)
    return parsed.scheme in ("http", "https") and bool(parsed.netloc)
