"""The tables of docs/PERFORMANCE.md from two bench/run results (street and district), so the figures in
the document are the ones the runs wrote, not copied by hand.

Run: python bench/markdown.py var/bench-<street label>.json var/bench-<district label>.json
"""

import json
import sys
from pathlib import Path

from bench import clean  # bench/bench.py: the same rule as the run's own report


def _load(path: str) -> dict:
    return json.loads(Path(path).read_text())


def closed_loop(street: dict, district: dict) -> str:
    base_s = street["pages"]["baseline"]["rps"]
    base_d = district["pages"]["baseline"]["rps"]
    lines = [
        "| page | street req/s | ratio | p50 ms | p95 ms | district req/s | ratio | p50 ms | p95 ms | p95 district ÷ street |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, s in street["pages"].items():
        d = district["pages"][name]
        lines.append(
            f"| {name} | {s['rps']:,.1f} | {s['rps'] / base_s:.2f} | {s['p50_ms']:,.0f} | {s['p95_ms']:,.0f} "
            f"| {d['rps']:,.1f} | {d['rps'] / base_d:.2f} | {d['p50_ms']:,.0f} | {d['p95_ms']:,.0f} "
            f"| {d['p95_ms'] / s['p95_ms']:.2f} |"
        )
    return "\n".join(lines)


def people(street: dict, district: dict) -> str:
    lines = [
        "| page | street req/s | p50 ms | p95 ms | p99 ms | district req/s | p50 ms | p95 ms | p99 ms "
        "| p95 < 100 ms (street / district) | p95 district ÷ street |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |",
    ]

    def verdict(row: dict) -> str:
        return "met" if row["p95_ms"] < 100 and clean(row) else "**missed**"

    for name, s in street["people"].items():
        d = district["people"][name]
        lines.append(
            f"| {name} | {s['rps']:.1f} | {s['p50_ms']:.0f} | {s['p95_ms']:.0f} | {s['p99_ms']:.0f} "
            f"| {d['rps']:.1f} | {d['p50_ms']:.0f} | {d['p95_ms']:.0f} | {d['p99_ms']:.0f} "
            f"| {verdict(s)} / {verdict(d)} | {d['p95_ms'] / s['p95_ms']:.2f} |"
        )
    return "\n".join(lines)


def main() -> None:
    street, district = (_load(p) for p in sys.argv[1:3])
    print(closed_loop(street, district))
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
