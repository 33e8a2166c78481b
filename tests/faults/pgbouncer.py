"""A PgBouncer of its own in transaction mode, in front of a PostgreSQL server, for the tests and the rehearsal.

    bouncer = PrivatePgBouncer(server_port=cluster.port)   # forwards every database to 127.0.0.1:<port>
    bouncer.start()
    url = bouncer.url("fucheng_fault")                    # postgres://postgres@127.0.0.1:<bouncer.port>/…
    ...
    bouncer.stop()       # clients and server connections are dropped; start() again on the same port
    bouncer.remove()     # stopped, and its directory (ini, userlist, log) deleted

Run the portal through it with DATABASE_POOLER=pgbouncer-transaction (fucheng/settings.py): PgBouncer refuses
the `options` startup parameter the direct path sends, so JIT and parallel workers are switched off here by
`connect_query` on every server connection instead (docs/pgbouncer.md). Plain Python (no
pytest), like tests/faults/servers.py. PgBouncer refuses to run as root: as root it runs as the postgres user.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

from tests.faults.servers import MissingServer, free_port, wait_for

# What fucheng/settings.py sends as the `options` startup parameter on the direct path.
CONNECT_QUERY = "SET jit = off; SET max_parallel_workers_per_gather = 0"


def pgbouncer_binary() -> str | None:
    """Debian installs it in /usr/sbin, which is not on every user's PATH."""
    return shutil.which("pgbouncer") or shutil.which("pgbouncer", path="/usr/sbin:/usr/local/sbin")


class PrivatePgBouncer:
    """pgbouncer with pool_mode = transaction, trust authentication and small pools, listening on a free
    loopback port and forwarding every database name (`* = host=… port=…`) to one PostgreSQL server.

    `pool_size` server connections per database and user: fewer than the clients a concurrency test opens, so
    that clients really share server connections, as they do in production behind a pooler.
    """

    def __init__(
        self,
        *,
        server_port: int,
        server_host: str = "127.0.0.1",
        pool_size: int = 4,
        user: str = "postgres",
        root: Path | None = None,
    ):
        binary = pgbouncer_binary()
        if binary is None:
            raise MissingServer("pgbouncer is not installed (apt-get install pgbouncer)")
        self.binary = binary
        self.server = (server_host, server_port)
        self.pool_size = pool_size
        self.user = user
        self.port = free_port()
        # Not pytest's tmp_path: the postgres user must be able to reach it.
        self.root = root or Path(tempfile.mkdtemp(prefix="fucheng-pgbouncer-"))
        self.process: subprocess.Popen | None = None

    def url(self, database: str) -> str:
        return f"postgres://{self.user}@127.0.0.1:{self.port}/{database}"

    @property
    def ini(self) -> Path:
        return self.root / "pgbouncer.ini"

    def write_config(self) -> None:
        host, port = self.server
        self.root.mkdir(parents=True, exist_ok=True)
        (self.root / "userlist.txt").write_text(f'"{self.user}" ""\n')  # trust: the name must still be listed
        self.ini.write_text(
            "\n".join(
                [
                    "[databases]",
                    f"* = host={host} port={port} connect_query='{CONNECT_QUERY}'",
                    "",
                    "[pgbouncer]",
                    "listen_addr = 127.0.0.1",
                    f"listen_port = {self.port}",
                    "unix_socket_dir =",
                    "auth_type = trust",
                    f"auth_file = {self.root / 'userlist.txt'}",
                    "pool_mode = transaction",
                    f"default_pool_size = {self.pool_size}",
                    "max_client_conn = 200",
                    # JDBC drivers and some tools send it; psycopg2 sends nothing PgBouncer would refuse.
                    "ignore_startup_parameters = extra_float_digits",
                    # After a failed server login, try again after 1 s (default 15 s): a restarted server is
                    # used as soon as it is back.
                    "server_login_retry = 1",
                    "server_connect_timeout = 5",
                    # A client already connected waits for a server connection this long (default 120 s, past
                    # gunicorn's 30 s timeout) while PostgreSQL is away; new clients are refused at once.
                    "query_wait_timeout = 5",
                    f"logfile = {self.root / 'pgbouncer.log'}",
                    "",
                ]
            )
        )
        if os.geteuid() == 0:
            subprocess.run(["chown", "-R", "postgres:postgres", str(self.root)], check=True)  # noqa: S603, S607

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                return True
        except OSError:
            return False

    def start(self) -> None:
        self.write_config()
        self.process = subprocess.Popen(  # noqa: S603
            [self.binary, str(self.ini)],
            cwd=self.root,
            user="postgres" if os.geteuid() == 0 else None,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

        def listening() -> bool:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"pgbouncer did not start: {self.log()[-2000:]}")
            return self.answers()

        wait_for(listening, timeout=15, what="pgbouncer to listen")

    def log(self) -> str:
        with contextlib.suppress(OSError):
            return (self.root / "pgbouncer.log").read_text(errors="replace")
        return ""

    def stop(self) -> None:
        """An immediate shutdown (SIGTERM): every client and server connection is closed."""
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
            self.process = None

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)
