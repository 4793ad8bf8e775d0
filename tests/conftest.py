"""Shared fixtures. The database is PostgreSQL when `make test` started one, SQLite otherwise.

Every test builds its own tenant through the service layer, so tests never see each other's
rows and need no cleanup between them.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from graphql_api.app import create_app
from graphql_api.db import close_orm, init_orm, migrate
from graphql_api.settings import Settings, load_settings
from starlette.applications import Starlette
from tests.mailbox import Mailbox, Outbox
from tests.webhook_receiver import Receiver
from tests.workers import Pump
from tests.support import Api, TenantHandle, make_tenant

DATABASE_URL = os.environ.get("BASALT_TEST_DATABASE_URL") or ""
REDIS_URL = os.environ.get("BASALT_TEST_REDIS_URL") or ""
ON_POSTGRES = DATABASE_URL.startswith("postgres")
REPO = Path(__file__).resolve().parent.parent


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if ON_POSTGRES:
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (run through make test)")
    for item in items:
        if "postgres_only" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def mailbox() -> Iterator[Mailbox]:
    """The SMTP server every server of the test run sends its mail to."""
    box = Mailbox(free_port())
    box.start()
    yield box
    box.stop()


@pytest.fixture(scope="session")
def server_env(tmp_path_factory: pytest.TempPathFactory, mailbox: Mailbox) -> dict[str, str]:
    """The environment a server process of the test run gets (same DB as the in-process app)."""
    var = tmp_path_factory.mktemp("var")
    return {
        "BASALT_SMTP_URL": mailbox.url,
        "BASALT_MAIL_FROM": "Basalt Tests <no-reply@basalt.test>",
        "BASALT_WEBHOOK_ALLOW_LOOPBACK": "true",  # the receivers of the tests listen on 127.0.0.1
        "BASALT_WEBHOOK_RETRY_SCHEDULE": "0,1,1",
        "BASALT_ENV": "development",
        "BASALT_VAR_DIR": str(var),
        "BASALT_EXTENSIONS_DIR": str(var / "no-extensions"),  # the example extension has its own app (tests/rest_compat/test_extension_routes.py)
        "BASALT_DATABASE_URL": DATABASE_URL or f"sqlite://{var}/test.sqlite3",
        "BASALT_BROADCAST_URL": REDIS_URL or "memory://",
        "BASALT_STORAGE_URL": f"file://{var}/files",
        "BASALT_SECRET_KEY": "test-secret-key-" + "x" * 32,
        "BASALT_LOOKUP_RATE_LIMIT": "1000",
    }


@pytest.fixture(scope="session")
def settings(server_env: dict[str, str]) -> Settings:
    return load_settings(server_env)


@pytest.fixture(scope="session", autouse=True)
async def database(settings: Settings) -> AsyncIterator[None]:
    await migrate(settings)
    await init_orm(settings)
    yield
    await close_orm()


@pytest.fixture(scope="session")
def app(settings: Settings, database: None) -> Starlette:
    return create_app(settings, manage_orm=False)


@pytest.fixture
async def client(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


@pytest.fixture
def outbox(app: Starlette, mailbox: Mailbox) -> Outbox:
    return Outbox(app.state.runtime, mailbox)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    made = Receiver()
    yield made
    made.close()


@pytest.fixture
def pump(app: Starlette) -> Pump:
    """Drives the relay, fan-out and delivery in-process (the in-process app starts no workers)."""
    return Pump(app.state.runtime)


@pytest.fixture
def api(client: httpx.AsyncClient) -> Api:
    return Api(client)


@pytest.fixture
async def tenant() -> TenantHandle:
    return await make_tenant()


@pytest.fixture
async def other_tenant() -> TenantHandle:
    return await make_tenant("Other Co")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


SERVER_LOG_TAIL = 80  # lines of a server's log shown under a failed test that talked to it
_live_server_log: list[Path] = []  # the session's live server, once started
_started_logs: list[Path] = []  # servers started by the test running now


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """A failed test that talked to a server process shows the end of that server's log: a
    failure on a CI machine is then explained by what the server said, not only by a status."""
    outcome = yield
    report = outcome.get_result()
    logs = list(_started_logs)
    if "live_server" in getattr(item, "fixturenames", ()):
        logs = _live_server_log + logs
    if report.when == "teardown":
        _started_logs.clear()
    if not report.failed:
        return
    for log in logs:
        lines = log.read_text(errors="replace").splitlines() if log.exists() else ["(no log)"]
        report.sections.append((f"server log {log.name} (last {SERVER_LOG_TAIL} lines)", "\n".join(lines[-SERVER_LOG_TAIL:])))


def start_server(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    """A real `basalt serve` process on `port`, sharing the test database."""
    log_path = Path(env["BASALT_VAR_DIR"]) / f"server-{port}.log"
    _started_logs.append(log_path)
    log = open(log_path, "wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "graphql_api.cli", "serve", "--port", str(port)],
        env={**os.environ, **env},
        cwd=REPO,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.1)
        if process.poll() is not None:
            raise RuntimeError(log_path.read_text())
    process.kill()
    raise RuntimeError("server did not start")


def stop_server(process: subprocess.Popen[bytes]) -> None:
    """Terminate a server process; kill it if it has not stopped within 15 seconds."""
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


@pytest.fixture(scope="session")
def live_server(server_env: dict[str, str], database: None) -> Iterator[str]:
    port = free_port()
    process = start_server(server_env, port)
    _live_server_log.append(_started_logs.pop())  # shown under every failed test that uses it
    yield f"http://127.0.0.1:{port}"
    stop_server(process)
