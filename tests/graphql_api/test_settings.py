"""Configuration: defaults, validation, and the one-line failure."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from graphql_api.settings import ConfigError, load_settings

REPO = Path(__file__).resolve().parents[2]


def test_development_defaults_are_embedded(tmp_path: Path) -> None:
    settings = load_settings({"BASALT_VAR_DIR": str(tmp_path)})
    assert settings.env == "development" and settings.port == 8000
    assert settings.database_url == f"sqlite://{tmp_path}/basalt.sqlite3"
    assert settings.broadcast_url == "memory://" and settings.storage_url == f"file://{tmp_path}/files"
    assert settings.graphql.introspection is True


def test_event_settings_default_to_a_week_of_log_and_second_scale_checks(tmp_path: Path) -> None:
    defaults = load_settings({"BASALT_VAR_DIR": str(tmp_path)})
    assert (defaults.event_retention_days, defaults.sse_keep_alive_ms, defaults.realtime_check_ms) == (7, 15000, 2000)
    tuned = load_settings({"BASALT_VAR_DIR": str(tmp_path), "BASALT_EVENT_RETENTION_DAYS": "30", "BASALT_SSE_KEEPALIVE_MS": "500"})
    assert (tuned.event_retention_days, tuned.sse_keep_alive_ms) == (30, 500)


def test_development_secret_is_generated_once_and_kept(tmp_path: Path) -> None:
    first = load_settings({"BASALT_VAR_DIR": str(tmp_path)}).secret_key
    second = load_settings({"BASALT_VAR_DIR": str(tmp_path)}).secret_key
    assert first == second and len(first) >= 32
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


def test_production_requires_a_secret_and_hardens_graphql(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="BASALT_SECRET_KEY is required"):
        load_settings({"BASALT_ENV": "production", "BASALT_VAR_DIR": str(tmp_path)})
    settings = load_settings({"BASALT_ENV": "production", "BASALT_SECRET_KEY": "s" * 40, "BASALT_VAR_DIR": str(tmp_path)})
    assert settings.graphql.introspection is False
    enabled = load_settings({"BASALT_ENV": "production", "BASALT_SECRET_KEY": "s" * 40, "BASALT_GRAPHQL_INTROSPECTION": "true"})
    assert enabled.graphql.introspection is True


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"BASALT_ENV": "staging"}, "BASALT_ENV must be one of"),
        ({"BASALT_DATABASE_URL": "mysql://x"}, "BASALT_DATABASE_URL must start with"),
        ({"BASALT_BROADCAST_URL": "kafka://x"}, "BASALT_BROADCAST_URL must start with"),
        ({"BASALT_STORAGE_URL": "s3://"}, "must name a bucket"),
        ({"PORT": "eighty"}, "PORT must be an integer"),
        ({"PORT": "70000"}, "PORT must be between"),
        ({"BASALT_SECRET_KEY": "short"}, "at least 32 characters"),
        ({"BASALT_GRAPHQL_INTROSPECTION": "maybe"}, "must be true or false"),
        ({"BASALT_EVENT_RETENTION_DAYS": "0"}, "BASALT_EVENT_RETENTION_DAYS must be between 1 and 3650"),
        ({"BASALT_SSE_KEEPALIVE_MS": "10"}, "BASALT_SSE_KEEPALIVE_MS must be between"),
        ({"BASALT_REALTIME_CHECK_MS": "soon"}, "BASALT_REALTIME_CHECK_MS must be an integer"),
        ({"BASALT_SMS_URL": "sms://provider"}, "BASALT_SMS_URL must be console or an http"),
        ({"BASALT_SMTP_URL": "mail.example.com:25"}, "BASALT_SMTP_URL must be console or smtp"),
        ({"BASALT_PUBLIC_URL": "example.com"}, "BASALT_PUBLIC_URL must be an http"),
    ],
)
def test_bad_values_are_named(tmp_path: Path, env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_settings({"BASALT_VAR_DIR": str(tmp_path), **env})


def test_s3_settings_come_from_the_url_and_variables() -> None:
    settings = load_settings(
        {"BASALT_STORAGE_URL": "s3://uploads", "BASALT_S3_ENDPOINT_URL": "http://127.0.0.1:9000", "BASALT_SECRET_KEY": "k" * 40}
    )
    assert settings.s3 is not None and settings.s3.bucket == "uploads"
    assert settings.s3.endpoint_url == "http://127.0.0.1:9000"


def test_cli_reports_bad_configuration_in_one_line(tmp_path: Path) -> None:
    env = {**os.environ, "BASALT_VAR_DIR": str(tmp_path), "BASALT_DATABASE_URL": "mysql://nope"}
    result = subprocess.run([sys.executable, "-m", "graphql_api.cli", "serve"], env=env, cwd=REPO, capture_output=True, text=True)
    assert result.returncode != 0
    assert result.stderr.strip().count("\n") == 0
    assert "BASALT_DATABASE_URL" in result.stderr and "Traceback" not in result.stderr
