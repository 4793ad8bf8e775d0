"""Configuration from the environment, read the same way by the server, the CLI and the tests.

Bad configuration raises `ConfigError` with one line that names the variable; the CLI prints
that line and exits instead of showing a traceback.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping
from urllib.parse import urlparse

from resolvers.webhooks.schemas import DEFAULT_RETRY_SCHEDULE

ENVIRONMENTS = ("development", "production")
DATABASE_SCHEMES = ("sqlite", "postgres", "postgresql", "asyncpg")
BROADCAST_SCHEMES = ("memory", "redis", "rediss")
STORAGE_SCHEMES = ("file", "s3")


class ConfigError(Exception):
    """A configuration value is missing or malformed."""


@dataclass(frozen=True)
class S3Settings:
    bucket: str
    endpoint_url: str | None
    region: str
    access_key_id: str | None
    secret_access_key: str | None


@dataclass(frozen=True)
class GraphQLLimits:
    max_depth: int = 12
    max_aliases: int = 30
    max_tokens: int = 4000
    introspection: bool = True


@dataclass(frozen=True)
class Settings:
    env: str
    database_url: str
    broadcast_url: str
    storage_url: str
    secret_key: str
    var_dir: Path
    host: str = "127.0.0.1"
    port: int = 8000
    region: str = "local"
    max_body_bytes: int = 1024 * 1024
    forwarded_allow_ips: str = "127.0.0.1"
    graphql: GraphQLLimits = field(default_factory=GraphQLLimits)
    s3: S3Settings | None = None
    lookup_rate_limit: int = 20
    login_rate_limit: int = 30
    custom_endpoints_max: int = 20  # per tenant
    sms_url: str = "console"  # or a Twilio-shaped messages URL
    sms_account: str = ""
    sms_token: str = ""
    sms_from: str = ""
    max_import_bytes: int = 20 * 1024 * 1024
    run_workers: bool = True
    database_pool_size: int = 20
    event_retention_days: int = 7
    sse_keep_alive_ms: int = 15000
    realtime_check_ms: int = 2000  # how often listeners catch up with the log and credentials are re-checked
    smtp_url: str = "console"  # or smtp://user:password@host:port (STARTTLS when offered), smtps:// (TLS)
    mail_from: str = "Basalt <no-reply@localhost>"
    public_url: str = "http://127.0.0.1:8000"  # where this server is reached; links in mails point here
    webhook_allow_loopback: bool = False  # development and tests: let webhooks reach 127.0.0.1
    webhook_retry_schedule: tuple[int, ...] = DEFAULT_RETRY_SCHEDULE  # seconds before each attempt
    webhook_timeout_seconds: float = 15.0
    stripe_webhook_secret: str | None = None
    stripe_price_plans: dict[str, str] = field(default_factory=dict)
    extensions_dir: Path = Path("extensions")  # file-based extensions, loaded at start
    sandbox_workers: int = 2  # processes running tenant JavaScript (hooks, functions)
    hook_max_failures: int = 5  # consecutive failures before a runtime hook goes to `error`
    extension_env: dict[str, str] = field(default_factory=dict)  # what context.services.env shows
    extension_allowed_domains: tuple[str, ...] = ()  # what context.services.fetch may reach

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def database_scheme(self) -> str:
        return urlparse(self.database_url).scheme

    @property
    def uses_redis(self) -> bool:
        return urlparse(self.broadcast_url).scheme in ("redis", "rediss")


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Build `Settings` from environment variables, validating every value."""
    env = os.environ if environ is None else environ
    app_env = env.get("BASALT_ENV", "development")
    if app_env not in ENVIRONMENTS:
        raise ConfigError(f"BASALT_ENV must be one of {', '.join(ENVIRONMENTS)}, got {app_env!r}")
    var_dir = Path(env.get("BASALT_VAR_DIR", "./var"))
    database_url = env.get("BASALT_DATABASE_URL", f"sqlite://{var_dir}/basalt.sqlite3")
    broadcast_url = env.get("BASALT_BROADCAST_URL", "memory://")
    storage_url = env.get("BASALT_STORAGE_URL", f"file://{var_dir}/files")
    _check_url("BASALT_DATABASE_URL", database_url, DATABASE_SCHEMES)
    _check_url("BASALT_BROADCAST_URL", broadcast_url, BROADCAST_SCHEMES)
    _check_url("BASALT_STORAGE_URL", storage_url, STORAGE_SCHEMES)
    return Settings(
        env=app_env,
        database_url=database_url,
        broadcast_url=broadcast_url,
        storage_url=storage_url,
        secret_key=_secret_key(env, app_env, var_dir),
        var_dir=var_dir,
        host=env.get("HOST", "127.0.0.1"),
        port=_int(env, "PORT", 8000, minimum=1, maximum=65535),
        region=env.get("BASALT_REGION", "local"),
        max_body_bytes=_int(env, "BASALT_MAX_BODY_BYTES", 1024 * 1024, minimum=1024),
        forwarded_allow_ips=env.get("BASALT_FORWARDED_ALLOW_IPS", "127.0.0.1"),
        graphql=GraphQLLimits(
            max_depth=_int(env, "BASALT_GRAPHQL_MAX_DEPTH", 12, minimum=2),
            max_aliases=_int(env, "BASALT_GRAPHQL_MAX_ALIASES", 30, minimum=1),
            max_tokens=_int(env, "BASALT_GRAPHQL_MAX_TOKENS", 4000, minimum=100),
            introspection=_bool(env, "BASALT_GRAPHQL_INTROSPECTION", app_env != "production"),
        ),
        s3=_s3(env, storage_url),
        lookup_rate_limit=_int(env, "BASALT_LOOKUP_RATE_LIMIT", 20, minimum=1),
        login_rate_limit=_int(env, "BASALT_LOGIN_RATE_LIMIT", 30, minimum=1),
        custom_endpoints_max=_int(env, "BASALT_CUSTOM_ENDPOINTS_MAX", 20, minimum=1, maximum=10_000),
        sms_url=_sms_url(env.get("BASALT_SMS_URL", "console")),
        sms_account=env.get("BASALT_SMS_ACCOUNT", ""),
        sms_token=env.get("BASALT_SMS_TOKEN", ""),
        sms_from=env.get("BASALT_SMS_FROM", ""),
        max_import_bytes=_int(env, "BASALT_MAX_IMPORT_BYTES", 20 * 1024 * 1024, minimum=1024),
        run_workers=_bool(env, "BASALT_WORKERS", True),
        database_pool_size=_int(env, "BASALT_DATABASE_POOL_SIZE", 20, minimum=1, maximum=1000),
        event_retention_days=_int(env, "BASALT_EVENT_RETENTION_DAYS", 7, minimum=1, maximum=3650),
        sse_keep_alive_ms=_int(env, "BASALT_SSE_KEEPALIVE_MS", 15000, minimum=50, maximum=600000),
        realtime_check_ms=_int(env, "BASALT_REALTIME_CHECK_MS", 2000, minimum=50, maximum=60000),
        smtp_url=_smtp_url(env.get("BASALT_SMTP_URL", "console")),
        mail_from=env.get("BASALT_MAIL_FROM", "Basalt <no-reply@localhost>"),
        webhook_allow_loopback=_bool(env, "BASALT_WEBHOOK_ALLOW_LOOPBACK", False),
        webhook_retry_schedule=_schedule(env.get("BASALT_WEBHOOK_RETRY_SCHEDULE")),
        webhook_timeout_seconds=float(_int(env, "BASALT_WEBHOOK_TIMEOUT_SECONDS", 15, minimum=1, maximum=120)),
        stripe_webhook_secret=env.get("BASALT_STRIPE_WEBHOOK_SECRET") or None,
        stripe_price_plans=_price_plans(env.get("BASALT_STRIPE_PRICE_PLANS", "")),
        public_url=_public_url(env.get("BASALT_PUBLIC_URL") or f"http://{env.get('HOST', '127.0.0.1')}:{env.get('PORT', '8000')}"),
        extensions_dir=Path(env.get("BASALT_EXTENSIONS_DIR", "extensions")),
        sandbox_workers=_int(env, "BASALT_SANDBOX_WORKERS", 2, minimum=1, maximum=64),
        hook_max_failures=_int(env, "BASALT_HOOK_MAX_FAILURES", 5, minimum=1, maximum=1000),
        extension_env=_whitelisted(env, env.get("BASALT_EXTENSION_ENV", "")),
        extension_allowed_domains=_domains(env.get("EXTENSION_ALLOWED_DOMAINS", env.get("BASALT_EXTENSION_ALLOWED_DOMAINS", ""))),
    )


def _whitelisted(env: Mapping[str, str], names: str) -> dict[str, str]:
    """The variables named in BASALT_EXTENSION_ENV (comma-separated), as hook code sees them."""
    return {name: env[name] for name in filter(None, (n.strip() for n in names.split(","))) if name in env}


def _domains(raw: str) -> tuple[str, ...]:
    domains = tuple(d.strip().lower().lstrip(".") for d in raw.split(",") if d.strip())
    for domain in domains:
        if "/" in domain or ":" in domain or " " in domain:
            raise ConfigError(f"EXTENSION_ALLOWED_DOMAINS holds host names separated by commas, got {domain!r}")
    return domains


def _price_plans(raw: str) -> dict[str, str]:
    """price_123=pro,price_456=enterprise"""
    plans: dict[str, str] = {}
    for pair in filter(None, (p.strip() for p in raw.split(","))):
        price, _, plan = pair.partition("=")
        if not price or not plan:
            raise ConfigError(f"BASALT_STRIPE_PRICE_PLANS must be price_id=plan pairs separated by commas, got {pair!r}")
        plans[price.strip()] = plan.strip()
    return plans


def _schedule(raw: str | None) -> tuple[int, ...]:
    """Comma-separated seconds before each attempt, the first usually 0 (at once)."""
    if not raw:
        return DEFAULT_RETRY_SCHEDULE
    try:
        schedule = tuple(int(part) for part in raw.split(","))
    except ValueError:
        raise ConfigError(f"BASALT_WEBHOOK_RETRY_SCHEDULE must be comma-separated seconds, got {raw!r}") from None
    if not 1 <= len(schedule) <= 20 or any(not 0 <= s <= 86400 for s in schedule):
        raise ConfigError("BASALT_WEBHOOK_RETRY_SCHEDULE must list 1 to 20 delays of 0 to 86400 seconds")
    return schedule


def _smtp_url(value: str) -> str:
    parsed = urlparse(value)
    if value != "console" and (parsed.scheme not in ("smtp", "smtps") or not parsed.hostname):
        raise ConfigError(f"BASALT_SMTP_URL must be console or smtp(s)://[user:password@]host[:port], got {value!r}")
    return value


def _public_url(value: str) -> str:
    parsed = urlparse(value)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ConfigError(f"BASALT_PUBLIC_URL must be an http(s) URL, got {value!r}")
    return value.rstrip("/")


def _sms_url(value: str) -> str:
    if value != "console" and urlparse(value).scheme not in ("http", "https"):
        raise ConfigError(f"BASALT_SMS_URL must be console or an http(s) URL, got {value!r}")
    return value


def _check_url(name: str, value: str, schemes: tuple[str, ...]) -> None:
    scheme = urlparse(value).scheme
    if scheme not in schemes:
        allowed = ", ".join(f"{s}://" for s in schemes)
        raise ConfigError(f"{name} must start with one of {allowed}, got {value!r}")
    if scheme == "s3" and not urlparse(value).netloc:
        raise ConfigError(f"{name} must name a bucket, like s3://my-bucket")


def _int(env: Mapping[str, str], name: str, default: int, *, minimum: int, maximum: int | None = None) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from None
    if value < minimum or (maximum is not None and value > maximum):
        bound = f"between {minimum} and {maximum}" if maximum is not None else f"at least {minimum}"
        raise ConfigError(f"{name} must be {bound}, got {value}")
    return value


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in ("1", "true", "yes", "on"):
        return True
    if raw.lower() in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name} must be true or false, got {raw!r}")


def _secret_key(env: Mapping[str, str], app_env: str, var_dir: Path) -> str:
    """Production needs an explicit key; development generates one and keeps it under var/."""
    key = env.get("BASALT_SECRET_KEY", "")
    if key:
        if len(key) < 32:
            raise ConfigError("BASALT_SECRET_KEY must be at least 32 characters")
        return key
    if app_env == "production":
        raise ConfigError("BASALT_SECRET_KEY is required when BASALT_ENV=production")
    path = var_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    try:
        var_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(key)
    except FileExistsError:
        return path.read_text().strip()
    except OSError as exc:
        raise ConfigError(f"cannot write the development secret key to {path}: {exc.strerror}") from None
    return key


def _s3(env: Mapping[str, str], storage_url: str) -> S3Settings | None:
    parsed = urlparse(storage_url)
    if parsed.scheme != "s3":
        return None
    return S3Settings(
        bucket=parsed.netloc,
        endpoint_url=env.get("BASALT_S3_ENDPOINT_URL") or None,
        region=env.get("BASALT_S3_REGION", "us-east-1"),
        access_key_id=env.get("BASALT_S3_ACCESS_KEY_ID") or None,
        secret_access_key=env.get("BASALT_S3_SECRET_ACCESS_KEY") or None,
    )
