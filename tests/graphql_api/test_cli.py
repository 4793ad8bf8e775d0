"""The `basalt` CLI, run as a process with the same configuration as the test server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
import websockets

from tests.conftest import REPO, free_port, start_server


def basalt(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "graphql_api.cli", *args], env={**os.environ, **env}, cwd=REPO, capture_output=True, text=True, timeout=60
    )


def test_tenant_create_json_gives_a_key_that_lists_itself(server_env: dict[str, str], live_server: str) -> None:
    result = basalt(server_env, "tenant", "create", "--name", "CLI Co", "--json")
    assert result.returncode == 0, result.stderr
    created = json.loads(result.stdout)
    assert created["tenant_id"].startswith("tn_") and created["api_key"].startswith("bsk_")

    headers = {"Authorization": f"Bearer {created['api_key']}"}
    keys = httpx.get(f"{live_server}/v1/keys", headers=headers).json()["data"]
    assert len(keys) == 1 and keys[0]["scopes"] == ["*"] and keys[0]["tenant_id"] == created["tenant_id"]
    gql = httpx.post(f"{live_server}/graphql", json={"query": "{ apiKeys { id } }"}, headers=headers).json()
    assert gql["data"]["apiKeys"] == [{"id": keys[0]["id"]}]


def test_key_create_with_scopes(server_env: dict[str, str], live_server: str) -> None:
    tenant = json.loads(basalt(server_env, "tenant", "create", "--name", "Keys Co", "--json").stdout)
    result = basalt(server_env, "key", "create", "--tenant", tenant["tenant_id"], "--scopes", "read,write", "--json")
    assert result.returncode == 0, result.stderr
    key = json.loads(result.stdout)
    assert key["scopes"] == ["read", "write"]
    response = httpx.get(f"{live_server}/v1/usage", headers={"Authorization": f"Bearer {key['api_key']}"})
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("key", "create", "--tenant", "tn_missing", "--scopes", "read"), "does not exist"),
        (("tenant", "create", "--name", "  "), "name"),
    ],
)
def test_cli_errors_are_one_clear_line(server_env: dict[str, str], args: tuple[str, ...], message: str) -> None:
    result = basalt(server_env, *args)
    assert result.returncode != 0 and message in result.stderr and "Traceback" not in result.stderr


def test_first_start_creates_development_credentials(tmp_path: Path) -> None:
    """A fresh var/ and database: migrate, serve, and the printed key works at once."""
    env = {"BASALT_VAR_DIR": str(tmp_path), "BASALT_DATABASE_URL": f"sqlite://{tmp_path}/fresh.sqlite3", "BASALT_BROADCAST_URL": "memory://"}
    assert basalt(env, "migrate").returncode == 0
    port = free_port()
    process = start_server(env, port)
    try:
        credentials = json.loads((tmp_path / "dev-credentials.json").read_text())
        assert (tmp_path / "dev-credentials.json").stat().st_mode & 0o777 == 0o600
        response = httpx.get(f"http://127.0.0.1:{port}/v1/keys", headers={"Authorization": f"Bearer {credentials['api_key']}"})
        assert response.status_code == 200 and response.json()["data"][0]["tenant_id"] == credentials["tenant_id"]
    finally:
        process.terminate()
        process.wait(timeout=10)
    log = (tmp_path / f"server-{port}.log").read_text()
    assert credentials["api_key"] in log and credentials["tenant_id"] in log


async def test_served_websockets_do_not_compress_frames(live_server: str) -> None:
    """Realtime frames are small and go to many sockets: `basalt serve` declines per-message
    deflate, which the client offers by default."""
    url = live_server.replace("http://", "ws://") + "/graphql"
    async with websockets.connect(url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
        assert ws.response is not None and ws.response.headers.get("Sec-WebSocket-Extensions") is None
