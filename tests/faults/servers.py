"""Private servers for the fault tests and the fault rehearsal (bench/rehearse): a Redis and a PostgreSQL
cluster of their own, on free loopback ports under a temporary directory, that can be stopped and started.

The shared PostgreSQL and Redis other processes use are never touched. Plain Python (no pytest), so that the
rehearsal, which runs outside pytest, starts the same servers the tests do.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

REDIS_SERVER = shutil.which("redis-server")


class MissingServer(RuntimeError):
    """A server binary the faults need is not installed (CI installs them)."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(check: Callable[[], bool], *, timeout: float = 30.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


class PrivateRedis:
    """A redis-server of its own, on a free port: stop() and start() are the fault."""

    def __init__(self, workdir: Path):
        if REDIS_SERVER is None:
            raise MissingServer("redis-server is not installed: the fault tests need it")
        self.port = free_port()
        self.workdir = workdir
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def start(self) -> None:
        assert REDIS_SERVER is not None
        self.process = subprocess.Popen(  # noqa: S603
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            cwd=self.workdir,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(self.answers, what="private redis to answer")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


def pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        raise MissingServer(f"{name} not found: the fault tests need the PostgreSQL server binaries")
    return found[-1]


def as_postgres(args: list[str]) -> subprocess.CompletedProcess:
    """initdb and pg_ctl refuse to run as root: run them as the postgres system user then."""
    if os.geteuid() == 0:
        args = ["runuser", "-u", "postgres", "--", *args]
    return subprocess.run(args, check=True, capture_output=True, timeout=120)  # noqa: S603


class PrivateCluster:
    """A PostgreSQL cluster of its own (initdb under `root`, which should be short: the socket path has a
    length limit), with one database; stop() is a fast shutdown, as a restart or a crash looks to clients."""

    def __init__(self, root: Path, database: str = "fucheng_fault"):
        self.root = root
        self.data = root / "data"
        self.port = free_port()
        self.database = database

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{self.database}"

    def init(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            subprocess.run(["chown", "-R", "postgres:postgres", str(self.root)], check=True)  # noqa: S603, S607
        as_postgres([pg_bin("initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8"])
        self.start()
        as_postgres([pg_bin("createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", self.database])

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        as_postgres(
            [pg_bin("pg_ctl"), "-D", str(self.data), "-o", options, "-l", str(self.root / "log"), "-w", "start"]
        )

    def stop(self) -> None:
        as_postgres([pg_bin("pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop"])

    def remove(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):  # already stopped
            self.stop()
        shutil.rmtree(self.root, ignore_errors=True)
