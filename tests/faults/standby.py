"""A hot standby of a private PostgreSQL cluster, streaming its WAL: the read replica of tests/replica and of
the rehearsal. Plain Python (no pytest, no Django), like servers.py.

    primary = PrivateCluster(root / "primary")
    primary.init()
    standby = PrivateStandby(primary, root / "standby")
    standby.init()                    # pg_basebackup -R -X stream, then started as a hot standby
    standby.url_for("fucheng_fault")  # postgres://postgres@127.0.0.1:<port>/fucheng_fault, read-only
    standby.wait_caught_up()          # every commit the primary has made so far is readable here
    standby.pause_replay()            # the standby keeps receiving WAL but applies none: it lags
    standby.resume_replay()
    standby.remove()                  # stop it and delete its directory (primary.remove() for the primary)

A database created on the primary after init() reaches the standby too (it is WAL like any other write).
initdb's default pg_hba.conf already lets the postgres user connect for replication on loopback.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from tests.faults.servers import PrivateCluster, as_postgres, pg_bin, wait_for


def psql(port: int, sql: str, database: str = "postgres") -> str:
    """One statement's single value, as text, from the server on that loopback port."""
    done = subprocess.run(  # noqa: S603
        [pg_bin("psql"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-d", database, "-tAXc", sql],
        check=True,
        capture_output=True,
        text=True,
        timeout=30,
    )
    return done.stdout.strip()


class PrivateStandby(PrivateCluster):
    """A hot standby of `primary` (a started PrivateCluster) on a free port, under `root` (short: socket path).
    Started, stopped and removed as any private cluster (hot_standby is on by default); only made differently."""

    def __init__(self, primary: PrivateCluster, root: Path):
        super().__init__(root, database=primary.database)
        self.primary = primary

    def url_for(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def init(self) -> None:
        """Copy the primary with its WAL stream (-R writes the standby's connection settings), then start."""
        self.root.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:  # the server runs as postgres (servers.as_postgres)
            shutil.chown(self.root, "postgres", "postgres")
        as_postgres(
            [
                pg_bin("pg_basebackup"),
                *("-h", "127.0.0.1", "-p", str(self.primary.port), "-U", "postgres"),
                *("-D", str(self.data), "-R", "-X", "stream", "-c", "fast"),
            ]
        )
        self.start()  # -w: until the standby accepts read-only connections

    def replayed(self, lsn: str) -> bool:
        return psql(self.port, f"SELECT pg_last_wal_replay_lsn() >= '{lsn}'::pg_lsn") == "t"

    def wait_caught_up(self, timeout: float = 30.0) -> None:
        """Wait until the standby has replayed everything the primary had written when this was called."""
        target = psql(self.primary.port, "SELECT pg_current_wal_lsn()")
        wait_for(lambda: self.replayed(target), timeout=timeout, what=f"the standby to replay up to {target}")

    def pause_replay(self) -> None:
        """Stop applying WAL (it is still received): from now on the standby falls behind every commit."""
        psql(self.port, "SELECT pg_wal_replay_pause()")
        wait_for(lambda: psql(self.port, "SELECT pg_is_wal_replay_paused()") == "t", what="replay to pause")

    def resume_replay(self) -> None:
        psql(self.port, "SELECT pg_wal_replay_resume()")
