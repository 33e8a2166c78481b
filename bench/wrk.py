"""The closed-loop pass of bench/run, driven by wrk (Debian's package) rather than Python threads.

wrk is a C program with an event loop: on two cores it takes a few per cent of one core to keep 8 connections
busy, where Python threads took a large share of the cores they were measuring. Each page's requests (the
sessions and cases of many people) are written into a Lua script that wrk cycles through; the CPU the
gunicorn workers and the PostgreSQL server used during the run is read from /proc before and after, so each
page is reported with its CPU per request beside its requests per second.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")

_SCRIPT = r"""
local requests = {
%(requests)s
}
local threads = {}
local count = 0

function setup(thread)
  thread:set("offset", count)
  count = count + 1
  table.insert(threads, thread)
end

function init(args)
  step = offset
  statuses = {}
end

function request()
  step = step + 1
  local r = requests[(step %% #requests) + 1]
  return wrk.format(r[1], r[2], r[4], r[3])
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, _)
  local codes = {}
  for _, thread in ipairs(threads) do
    for code, n in pairs(thread:get("statuses")) do
      codes[tostring(code)] = (codes[tostring(code)] or 0) + n
    end
  end
  local parts = {}
  for code, n in pairs(codes) do table.insert(parts, string.format('"%%s": %%d', code, n)) end
  local e = summary.errors
  io.write(string.format(
    'WRK-RESULT {"requests": %%d, "duration_us": %%d, "errors": %%d, "p50_us": %%d, "p95_us": %%d, ' ..
    '"p99_us": %%d, "mean_us": %%f, "statuses": {%%s}}\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.mean,
    table.concat(parts, ", ")))
end
"""


def ensure_wrk() -> str:
    """wrk's path; installed from Debian's package when it is missing (the bench runs as root on its machine)."""
    found = shutil.which("wrk")
    if found:
        return found
    print("bench: wrk is not installed; installing Debian's package …", flush=True)
    subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=True, stdout=subprocess.DEVNULL)  # noqa: S607
    found = shutil.which("wrk")
    if not found:
        sys.exit("wrk could not be installed (apt-get install wrk)")
    return found


def _lua(text: str | None) -> str:
    if text is None:
        return "nil"
    level = "=" * 3
    assert f"]{level}]" not in text
    return f"[{level}[{text}]{level}]"


def _script(requests: list[tuple[str, str, str | None, dict]]) -> str:
    rows = []
    for method, path, body, headers in requests:
        header_table = ", ".join(f"[ {_lua(k)} ] = {_lua(v)}" for k, v in headers.items())
        rows.append(f"  {{{_lua(method)}, {_lua(path)}, {_lua(body)}, {{{header_table}}}}},")
    return _SCRIPT % {"requests": "\n".join(rows)}


def _ticks(pid: int) -> int:
    """utime + stime of one process, in clock ticks (0 when it has gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _postgres_pids() -> list[int]:
    """Every PostgreSQL server process on the machine (the backends serving gunicorn and the background ones:
    the bench's machine runs nothing else against it during a run)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "postgres":
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


def cpu_snapshot(master_pid: int) -> dict[str, dict[int, int]]:
    return {
        "worker": {pid: _ticks(pid) for pid in _children(master_pid)},
        "postgres": {pid: _ticks(pid) for pid in _postgres_pids()},
    }


def cpu_used(before: dict[str, dict[int, int]], after: dict[str, dict[int, int]]) -> dict[str, float]:
    """Seconds of CPU per side between two snapshots (a process that started in between counts from zero)."""
    return {
        side: sum(ticks - before[side].get(pid, 0) for pid, ticks in after[side].items()) / CLOCK_TICKS
        for side in ("worker", "postgres")
    }


def run(
    wrk: str, port: int, master_pid: int, requests: list, *, connections: int, duration: float, threads: int = 2
) -> dict:
    """One wrk run over the requests: req/s, latency percentiles, statuses, CPU per request."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(_script(requests))
        script = handle.name
    try:
        before = cpu_snapshot(master_pid)
        out = subprocess.run(  # noqa: S603
            [
                wrk,
                "--threads",
                str(min(threads, connections)),
                "--connections",
                str(connections),
                "--duration",
                f"{max(1, round(duration))}s",
                "--timeout",
                "60s",
                "--script",
                script,
                f"http://127.0.0.1:{port}",
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        after = cpu_snapshot(master_pid)
    finally:
        os.unlink(script)
    line = next((x for x in out.stdout.splitlines() if x.startswith("WRK-RESULT ")), None)
    if line is None:
        raise RuntimeError(f"wrk gave no result: {out.stdout[-500:]} {out.stderr[-500:]}")
    raw = json.loads(line.removeprefix("WRK-RESULT "))
    used = cpu_used(before, after)
    served = max(1, raw["requests"])
    return {
        "requests": raw["requests"],
        "rps": raw["requests"] / (raw["duration_us"] / 1e6),
        "p50_ms": raw["p50_us"] / 1000,
        "p95_ms": raw["p95_us"] / 1000,
        "p99_ms": raw["p99_us"] / 1000,
        "mean_ms": raw["mean_us"] / 1000,
        "statuses": raw["statuses"],
        "errors": raw["errors"],
        "cpu_worker_ms": used["worker"] * 1000 / served,
        "cpu_postgres_ms": used["postgres"] * 1000 / served,
    }


def summarise(runs: list[dict]) -> dict:
    """The median run of several (by req/s), with the spread of req/s and CPU per request across them."""
    ordered = sorted(runs, key=lambda r: r["rps"])
    middle = dict(ordered[len(ordered) // 2])
    rates = [r["rps"] for r in runs]
    middle.update(
        {
            "repeats": len(runs),
            "rps": statistics.median(rates),
            "rps_min": min(rates),
            "rps_max": max(rates),
            "cpu_worker_ms": statistics.median(r["cpu_worker_ms"] for r in runs),
            "cpu_postgres_ms": statistics.median(r["cpu_postgres_ms"] for r in runs),
            "runs": runs,
        }
    )
    return middle
