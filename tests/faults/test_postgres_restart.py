"""PostgreSQL restarted under a running portal: /healthz says the database is unavailable while it is down,
the crisis page still renders, and when it is back the same gunicorn process answers again (Django's
CONN_HEALTH_CHECKS drops the dead persistent connection and opens a new one) — no portal restart.

The shared PostgreSQL other processes use is never touched: the test creates a private cluster with
`initdb` under a temporary directory, on a free port, migrates it, starts gunicorn against it, and
stops (`pg_ctl stop -m fast`) and starts that cluster.

With DATABASE_POOLER=pgbouncer-transaction (`make suite`'s fault run) gunicorn reaches the cluster through a
PgBouncer of its own in transaction mode (tests/faults/pgbouncer.py), which is then restarted as well. The
direct path is the rehearsal's (tests/faults/test_rehearsal.py).
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.faults.conftest import subprocess_env
from tests.faults.pgbouncer import PrivatePgBouncer
from tests.faults.servers import MissingServer, PrivateCluster, free_port, wait_for
from tests.pooler.session import through_pgbouncer

pytestmark = [pytest.mark.faults]

BASE_DIR = Path(__file__).resolve().parents[2]


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
    bouncer = None
    try:
        cluster.init()
        if through_pgbouncer():  # the portal's connections go through a PgBouncer in front of the cluster
            bouncer = PrivatePgBouncer(server_port=cluster.port)
            bouncer.start()
    except MissingServer as exc:
        pytest.fail(f"{exc} (CI installs them)")
    database_url = bouncer.url(cluster.database) if bouncer else cluster.url
    env = subprocess_env(
        DATABASE_URL=database_url, DJANGO_CONN_MAX_AGE="600", FUCHENG_ENV="development", DJANGO_DEBUG="0"
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
        yield base, cluster, bouncer, server
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=30)
        if bouncer is not None:
            bouncer.remove()
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
    base, cluster, bouncer, server = portal
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
    if bouncer is None:
        return

    # The pooler itself restarted: the portal's persistent connection to it is gone, and a new one is opened.
    bouncer.stop()
    status, body = _get(base + "/healthz")
    assert status == 503 and json.loads(body)["database"] == "unavailable", body
    assert _get(base + "/help/")[0] == 200
    bouncer.start()
    wait_for(lambda: _get(base + "/healthz")[0] == 200, timeout=30, what="healthz to recover behind PgBouncer")
    assert _get(base + "/")[0] == 200
    assert server.poll() is None
