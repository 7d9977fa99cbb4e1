"""bench/results/SUMMARY.md: one table from the benchmarks' latest JSON results, beside the
budgets of PRODUCT.md. A figure whose benchmark has not run says so.

    .venv/bin/python bench/summary.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import common
from bench.checkin_burst import result_key

MISSING = "not run"


def _load(name: str) -> dict:
    path = common.RESULTS / f"{name}.json"
    return json.loads(path.read_text()) if path.exists() else {}


def _get(data: dict, *keys, fmt: str = "{}") -> str:
    for key in keys:
        if not isinstance(data, dict) or key not in data:
            return MISSING
        data = data[key]
    return fmt.format(data)


def rows() -> list[tuple[str, str, str, str]]:
    throughput = _load("throughput").get("sqlite", {})
    granian = throughput.get("servers", {}).get("granian wsgi", {})
    burst = _load("checkin_burst")
    soak = _load("soak")
    page = _load("page_load").get("Học vụ số", {}).get("pages", {})
    lesson = page.get("/lessons/thanh-toan/quet-vietqr", {})

    def national(db: str) -> str:
        data = _load(f"national-{db}")
        if not data:
            return MISSING
        worst = max(data["http"].items(), key=lambda kv: kv[1]["p95_ms"])
        return f"{worst[1]['p95_ms']:.0f} ms ({worst[0]}; {data['rows']['users']:,} accounts)"

    def soak_line(db: str) -> str:
        data = soak.get(db)
        if not data:
            return MISSING
        check = data["database_check"]
        lost = check["events_lost"] + check["check_ins_lost"]
        twice = check["events_stored_twice"] + check["check_ins_twice"]
        return (
            f"{data['requests']:,} requests in {data['seconds']:.0f} s, {lost} lost, "
            f"{twice} twice, counters {'=' if check['summary_equals_rebuild'] else '≠'} rebuild"
        )

    return [
        (
            "lesson page, 2 cores (granian)",
            _get(granian, "lesson page", "requests_per_second", fmt="{:.0f} req/s"),
            "—",
            "≥ 300 req/s (SQLite)",
        ),
        ("lesson page p99", _get(granian, "lesson page", "p99_ms", fmt="{:.0f} ms"), "—", ""),
        (
            "static file, same server (the floor)",
            _get(granian, "static file", "requests_per_second", fmt="{:.0f} req/s"),
            "—",
            "",
        ),
        (
            "memory per worker",
            ", ".join(f"{m:.0f}" for m in granian.get("worker_memory_mib", [])) + " MiB"
            if granian
            else MISSING,
            "—",
            "",
        ),
        *(
            (
                f"check-in burst p95, 50 phones, {label}",
                *(
                    _get(burst, result_key(db, pace, start), "burst", "p95_ms", fmt="{:.0f} ms")
                    for db in ("sqlite", "postgres")
                ),
                budget,
            )
            for pace, start, label, budget in (
                (1, "spread", "a scan a second each", "≤ 100 ms, 0 errors, 0 lost"),
                (1, "together", "all 50 at the same instant", "(worst case)"),
                (0, "together", "back to back", "(saturation)"),
            )
        ),
        (
            "sync throughput (check-ins/s, back to back)",
            _get(burst, result_key("sqlite", 0, "together"), "burst", "per_second", fmt="{:.0f}/s"),
            _get(
                burst, result_key("postgres", 0, "together"), "burst", "per_second", fmt="{:.0f}/s"
            ),
            "",
        ),
        (
            "soak: mixed traffic, 2 workers",
            soak_line("sqlite"),
            soak_line("postgres"),
            "0 lost, 0 twice",
        ),
        (
            "dashboards at national scale, worst p95",
            national("sqlite"),
            national("postgres"),
            "≤ 200 ms",
        ),
        (
            "lesson page, first visit: weight (JS)",
            f"{lesson['kib']} KiB ({lesson['js_kib']} KiB JS)" if lesson else MISSING,
            "—",
            "≤ 100 KiB (≤ 30 KiB JS)",
        ),
        (
            "lesson page load, throttled phone (median)",
            _get(lesson, "load_ms_median", fmt="{} ms"),
            "—",
            "≤ 1,500 ms",
        ),
    ]


def main() -> int:
    lines = [
        "# Benchmark results",
        "",
        "Written by `bench/summary.py` from `bench/results/*.json` (`make bench` runs every",
        "benchmark, then this). What each measures and how: docs/performance.md.",
        "",
        "| what | SQLite | PostgreSQL | budget |",
        "| --- | --- | --- | --- |",
        *(f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows()),
        "",
    ]
    path = common.RESULTS / "SUMMARY.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
