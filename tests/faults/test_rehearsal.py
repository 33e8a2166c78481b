"""The fault rehearsal (bench/rehearse), in the part that fits CI's time: it starts its own stack, sends
acute PHQ-9s through a PostgreSQL restart and stop, Redis down and a killed worker, and must meet the issue's
bar. The beat fault waits two sweep intervals and runs in the full rehearsal (docs/PERFORMANCE.md), not here.
Its stack talks to PostgreSQL directly, whatever DATABASE_POOLER says: the other fault tests run through PgBouncer
in `make suite`, and this one keeps the direct path's restarts covered.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.faults]

BASE_DIR = Path(__file__).resolve().parents[2]


def test_the_rehearsal_loses_no_cry_and_sends_nothing_twice(tmp_path):
    out = tmp_path / "rehearsal.json"
    run = subprocess.run(  # noqa: S603
        [sys.executable, "bench/rehearse.py", "--faults", "pg_restart,pg_stop,redis_stop,worker_kill"]
        + ["--residents", "3", "--out", str(out)],
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=900,
        env={name: value for name, value in os.environ.items() if name != "DATABASE_POOLER"},
    )
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-4000:]
    faults = {line["fault"]: line for line in json.loads(out.read_text())["faults"]}
    assert set(faults) == {"pg_restart", "pg_stop", "redis_stop", "worker_kill"}
    for name, line in faults.items():
        assert line["cries"] >= 1 and line["lost"] == 0, (name, line)
        assert line["stored"] == line["cries"], (name, line)
        assert line["5xx (not the resend page)"] == 0, (name, line)
        assert line["rows sent twice"] == 0 and line["rows marked sent that never arrived"] == 0, (name, line)
        assert line["rows not sent"] == 0 and line["cries without a message"] == 0, (name, line)
        assert line["messages (rows)"] >= line["cries"], (name, line)
        assert 0 <= line["first message, worst (s)"] <= 60, (name, line)
    # With PostgreSQL away for 10 s the retries run out: the person sees the resend page, presses it, and is saved.
    saw = faults["pg_stop"]["people saw"]
    assert saw.get("resend page with the hotlines", 0) >= 1, saw
    assert (
        saw.get("then, after pressing resend: crisis page: saved, team alerted", 0)
        == saw["resend page with the hotlines"]
    ), saw
    assert faults["redis_stop"]["sign-ins"] >= 3 and faults["redis_stop"]["sign-ins failed"] == 0
