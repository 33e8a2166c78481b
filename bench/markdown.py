"""The tables of docs/PERFORMANCE.md from two bench/run results (street and district), so the figures in
the document are the ones the runs wrote, not copied by hand.

Run: python bench/markdown.py var/bench-<street label>.json var/bench-<district label>.json
"""

import json
import sys
from pathlib import Path

from bench import clean  # bench/bench.py: the same rule as the run's own report

# Issue 26: each heavy page's requests per second as a share of the signed-in bare page's, in the same run.
TARGETS = {"counselor workspace": 0.15, "case timeline": 0.16, "availability": 0.19}


def _load(path: str) -> dict:
    return json.loads(Path(path).read_text())


def closed_loop(label: str, run: dict) -> str:
    signed_in = run["pages"]["baseline, signed in"]["rps"]
    lines = [
        f"{label}: wrk, {run.get('connections')} connections, {run.get('repeat')} runs of {run['duration']:g} s per page, "
        f"gunicorn {run['workers']} sync workers; the median run, the spread of the three, CPU per request",
        "",
        "| page | req/s (median) | spread | ratio to signed-in bare page | target | CPU ms, worker | CPU ms, PostgreSQL "
        "| p50 ms | p95 ms | statuses |",
        "| --- | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | --- |",
    ]
    for name, row in run["pages"].items():
        ratio = row["rps"] / signed_in
        target = TARGETS.get(name)
        verdict = "" if target is None else f"≥ {target:.2f}: {'met' if ratio >= target else '**missed**'}"
        statuses = ", ".join(f"{code}: {n:,}" for code, n in sorted(row["statuses"].items()))
        lines.append(
            f"| {name} | {row['rps']:,.1f} | {row.get('rps_min', row['rps']):,.1f}–{row.get('rps_max', row['rps']):,.1f} "
            f"| {ratio:.3f} | {verdict} | {row.get('cpu_worker_ms', 0):.1f} | {row.get('cpu_postgres_ms', 0):.1f} "
            f"| {row['p50_ms']:.0f} | {row['p95_ms']:.0f} | {statuses}{' · errors ' + str(row['errors']) if row['errors'] else ''} |"
        )
    return "\n".join(lines)


def people(street: dict, district: dict) -> str:
    lines = [
        "| page | street req/s | p50 ms | p95 ms | district req/s | p50 ms | p95 ms | p99 ms | district p95 < 100 ms |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for name, s in street["people"].items():
        d = district["people"][name]
        verdict = "met" if d["p95_ms"] < 100 and clean(d) else "**missed**"
        lines.append(
            f"| {name} | {s['rps']:.1f} | {s['p50_ms']:.0f} | {s['p95_ms']:.0f} "
            f"| {d['rps']:.1f} | {d['p50_ms']:.0f} | {d['p95_ms']:.0f} | {d['p99_ms']:.0f} | {verdict} |"
        )
    return "\n".join(lines)


def main() -> None:
    street, district = (_load(p) for p in sys.argv[1:3])
    for label, run in (("Street", street), ("District", district)):
        print(closed_loop(label, run))
        print()
    if street.get("people") and district.get("people"):
        print(people(street, district))
        print()
    for label, run in (("street", street), ("district", district)):
        print(
            f"{label}: worker peak RSS {run.get('worker_rss_peak_mb', 0):.0f} MB; race {run.get('race')}; "
            f"dashboards {run.get('timings')}; load average after {run.get('load_average_after')}"
        )


if __name__ == "__main__":
    main()
