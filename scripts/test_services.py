#!/usr/bin/env python3
"""Start throwaway PostgreSQL, Redis and S3 (moto) servers on free loopback ports, run a command, stop them.

    python scripts/test_services.py -- pytest -q

The command sees BASALT_TEST_DATABASE_URL, BASALT_TEST_REDIS_URL and BASALT_TEST_S3_ENDPOINT.
Missing PostgreSQL or Redis binaries are installed with apt-get (as root, or through sudo).
"""

from __future__ import annotations

import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Iterator


def main() -> int:
    if "--" not in sys.argv:
        sys.exit("usage: test_services.py -- COMMAND [ARGS...]")
    command = sys.argv[sys.argv.index("--") + 1 :]
    ensure_packages()
    with ExitStack() as stack:
        env = dict(os.environ)
        env["BASALT_TEST_DATABASE_URL"] = stack.enter_context(postgres())
        env["BASALT_TEST_REDIS_URL"] = stack.enter_context(redis())
        env["BASALT_TEST_S3_ENDPOINT"] = stack.enter_context(s3())
        print(f"test services: {env['BASALT_TEST_DATABASE_URL']} {env['BASALT_TEST_REDIS_URL']} {env['BASALT_TEST_S3_ENDPOINT']}", flush=True)
        return subprocess.call(command, env=env)


def ensure_packages() -> None:
    missing = []
    if not pg_bin_dir():
        missing.append("postgresql")
    if not shutil.which("redis-server"):
        missing.append("redis-server")
    if not missing:
        return
    sudo = [] if os.geteuid() == 0 else ["sudo", "-n"]
    print(f"installing {' '.join(missing)} with apt-get", flush=True)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    if subprocess.call([*sudo, "apt-get", "install", "-y", "-q", *missing], env=env) != 0:
        subprocess.check_call([*sudo, "apt-get", "update", "-q"], env=env)
        subprocess.check_call([*sudo, "apt-get", "install", "-y", "-q", *missing], env=env)


def pg_bin_dir() -> str | None:
    dirs = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda d: int(d.split("/")[-2]))
    for directory in reversed(dirs):
        if os.path.exists(os.path.join(directory, "initdb")):
            return directory
    initdb = shutil.which("initdb")
    return os.path.dirname(os.path.realpath(initdb)) if initdb else None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listening on 127.0.0.1:{port} after {timeout}s")


def as_postgres_user(args: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root; drop to the `postgres` user the package creates."""
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


@contextmanager
def postgres() -> Iterator[str]:
    bin_dir = pg_bin_dir()
    assert bin_dir, "PostgreSQL is not installed"
    root = Path(tempfile.mkdtemp(prefix="basalt-pg-"))
    data, sockets = root / "data", root / "sock"
    sockets.mkdir()
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
        shutil.chown(sockets, "postgres")
    port = free_port()
    subprocess.check_call(
        as_postgres_user([f"{bin_dir}/initdb", "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"]),
        stdout=subprocess.DEVNULL,
    )
    options = f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
    subprocess.check_call(
        as_postgres_user([f"{bin_dir}/pg_ctl", "-D", str(data), "-o", options, "-l", str(root / "log"), "-w", "start"]),
        stdout=subprocess.DEVNULL,
    )
    try:
        subprocess.check_call([f"{bin_dir}/createdb", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "basalt_test"])
        yield f"postgres://postgres@127.0.0.1:{port}/basalt_test"
    finally:
        subprocess.call(as_postgres_user([f"{bin_dir}/pg_ctl", "-D", str(data), "-m", "immediate", "stop"]), stdout=subprocess.DEVNULL)
        shutil.rmtree(root, ignore_errors=True)


@contextmanager
def redis() -> Iterator[str]:
    port = free_port()
    workdir = tempfile.mkdtemp(prefix="basalt-redis-")
    proc = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", workdir],
        stdout=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        _stop(proc)
        shutil.rmtree(workdir, ignore_errors=True)


@contextmanager
def s3() -> Iterator[str]:
    port = free_port()
    moto = shutil.which("moto_server", path=os.path.dirname(sys.executable)) or shutil.which("moto_server")
    assert moto, "moto_server not found: pip install 'moto[server]'"
    proc = subprocess.Popen([moto, "-H", "127.0.0.1", "-p", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port)
        yield f"http://127.0.0.1:{port}"
    finally:
        _stop(proc)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


if __name__ == "__main__":
    sys.exit(main())
