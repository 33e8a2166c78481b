"""The city rehearsal (bench/city) in CI: two gunicorn instances behind HAProxy, PgBouncer in
transaction mode, a streaming standby, crisis and bulk workers; a web instance and the crisis worker killed
while residents cry for help. Nothing may be lost or duplicated; the official's pages read from the standby.
The requests-per-core measurement (wrk) runs in the full rehearsal (docs/scaling.md), not here.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.faults]

BASE_DIR = Path(__file__).resolve().parents[2]


def test_two_web_instances_behind_a_proxy_lose_and_duplicate_nothing_when_one_dies(tmp_path):
    for program in ("haproxy", "pgbouncer"):
        assert shutil.which(program) or Path(f"/usr/sbin/{program}").exists(), f"{program} is missing (CI installs it)"
    out = tmp_path / "city.json"
    run = subprocess.run(  # noqa: S603
        [sys.executable, "bench/city.py", "--no-wrk", "--residents", "4", "--racers", "8", "--readers", "3"]
        + ["--out", str(out)],
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-4000:]
    result = json.loads(out.read_text())
    assert result["problems"] == []

    sign_in = result["sign-in"]
    assert sign_in["sign-ins failed"] == 0
    assert {"web1", "web2"} <= set(sign_in["pages served by"]), sign_in  # one session, both instances

    race = result["booking race"]
    assert race["bookings in the database"] == 1, race
    assert race["answers"] == {"booked": 1, "taken": race["racers"] - 1}, race
    assert race["server errors"] == 0

    crisis = result["crisis"]
    assert crisis["cries"] == 4 and crisis["people with no cry stored"] == 0, crisis
    assert crisis["cries without a message"] == 0 and crisis["rows sent twice"] == 0, crisis
    assert crisis["alert messages"] >= 4 and crisis["alert messages that reached no channel"] == 0, crisis
    assert crisis["rows not sent"] == 0, crisis
    # a row never arrives only where the killed worker was handing it over: the person's next channel carried it
    cut = crisis["rows cut while handed over (sent on the next channel)"]
    assert crisis["rows marked sent that never arrived"] == cut, crisis
    # with the bulk queue full and the crisis worker killed and restarted, within the minute sweep interval
    assert 0 <= crisis["first message, worst (s)"] <= 60, crisis
    assert not crisis["readers saw"].get("sent to sign in again"), crisis["readers saw"]

    reporting = result["reporting"]
    assert set(reporting["pages"].values()) == {200}, reporting
    assert reporting["tables scanned on the standby"] >= 2, reporting  # both pages read there
    assert result["replica lag"]["samples"] > 0
