"""PostgreSQL restarted under a running portal: /healthz says the database is unavailable while it is down,
the crisis page still renders, and when it is back the same gunicorn process answers again (Django's
CONN_HEALTH_CHECKS drops the dead persistent connection and opens a new one) — no portal restart.

The shared PostgreSQL other processes use is never touched: the test creates a private cluster with
`initdb` under a temporary directory, on a free port, migrates it, starts gunicorn against it, and
stops (`pg_ctl stop -m fast`) and starts that cluster.
"""

from __future__ import annotations

import contextlib
import glob
import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from .conftest import free_port, subprocess_env, wait_for

pytestmark = [pytest.mark.faults]

BASE_DIR = Path(__file__).resolve().parents[2]


def _pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        pytest.fail(f"{name} not found: the fault tests need the PostgreSQL server binaries (CI installs them)")
    return found[-1]


def _as_postgres(args: list[str], **kwargs) -> subprocess.CompletedProcess:
    """initdb and pg_ctl refuse to run as root: run them as the postgres system user then."""
    if os.geteuid() == 0:
        args = ["runuser", "-u", "postgres", "--", *args]
    return subprocess.run(args, check=True, capture_output=True, timeout=120, **kwargs)  # noqa: S603


class PrivateCluster:
    def __init__(self, root: Path):
        self.root = root
        self.data = root / "data"
        self.port = free_port()

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/fucheng_fault"

    def init(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            subprocess.run(["chown", "-R", "postgres:postgres", str(self.root)], check=True)  # noqa: S603, S607
        _as_postgres([_pg_bin("initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8"])
        self.start()
        _as_postgres([_pg_bin("createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "fucheng_fault"])

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        _as_postgres(
            [_pg_bin("pg_ctl"), "-D", str(self.data), "-o", options, "-l", str(self.root / "log"), "-w", "start"]
        )

    def stop(self) -> None:
        _as_postgres([_pg_bin("pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop"])


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=15) as response:  # noqa: S310 (loopback)
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@pytest.fixture(scope="module")
def portal(tmp_path_factory):
    root = Path("/tmp") / f"fucheng-fault-pg-{os.getpid()}"  # short: the socket path has a length limit
    cluster = PrivateCluster(root)
    cluster.init()
    env = subprocess_env(
        DATABASE_URL=cluster.url, DJANGO_CONN_MAX_AGE="600", FUCHENG_ENV="development", DJANGO_DEBUG="0"
    )
    subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=BASE_DIR, env=env, check=True, timeout=600
    )
    port = free_port()
    server = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "gunicorn", "fucheng.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: _answers(base), timeout=60, what="gunicorn to answer")
        yield base, cluster, server
    finally:
        server.terminate()
        server.wait(timeout=30)
        with contextlib.suppress(subprocess.CalledProcessError):
            cluster.stop()
        subprocess.run(["rm", "-rf", str(root)], check=False)  # noqa: S603, S607


def _answers(base: str) -> bool:
    try:
        _get(base + "/help/")
        return True
    except OSError:
        return False


def test_postgres_restart_is_reported_and_survived(portal):
    base, cluster, server = portal
    status, body = _get(base + "/healthz")
    assert status == 200 and json.loads(body)["database"] == "ok"
    assert _get(base + "/")[0] == 200  # the front page reads the stations: a persistent connection is open

    cluster.stop()
    status, body = _get(base + "/healthz")
    assert status == 503 and json.loads(body)["database"] == "unavailable", body
    status, body = _get(base + "/help/")
    assert status == 200 and "12356" in body, "the crisis page renders while the database is down"

    cluster.start()
    wait_for(lambda: _get(base + "/healthz")[0] == 200, timeout=30, what="healthz to recover")
    status, body = _get(base + "/healthz")
    assert json.loads(body) == {"status": "ok", "database": "ok", "broker": "ok", "sweeps": "ok"}
    assert _get(base + "/")[0] == 200
    assert server.poll() is None, "the same gunicorn process answered throughout: it was never restarted"
