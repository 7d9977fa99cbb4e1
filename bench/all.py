"""Every benchmark in one command, on SQLite and PostgreSQL, then one results table.

    .venv/bin/python bench/all.py [--national-scale 1.0] [--soak-seconds 60]
        [--reuse-sqlite DIR] [--reuse-postgres DIR] [--skip NAME ...]

Runs, each in its own process (a failure is reported and the rest go on): the lesson page
throughput beside the static floor (throughput.py, needs Debian's wrk), the check-in burst
at a scan a second, all at once and back to back (checkin_burst.py), the soak (soak.py),
the dashboards at national scale (national.py; ``--reuse-…`` measures a country generated
earlier) and the page weight on a throttled phone (page_load.py, needs Debian's Chromium).
PostgreSQL runs use ``BENCH_DATABASE_URL`` (default: the test database, which they
empty). Then ``bench/summary.py`` writes bench/results/SUMMARY.md. ``make bench`` runs this.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import common

DATABASES = ("sqlite", "postgres")
# The check-in burst: a scan a second per phone (the budget's case), the same with every
# phone sending at the same instant (worst case), and back to back (capacity).
BURSTS = (("1", "spread"), ("1", "together"), ("0", "together"))


def steps(options) -> list[tuple[str, list[str]]]:
    bench = common.ROOT / "bench"
    python = str(common.BIN / "python")
    plan = [("throughput", [python, str(bench / "throughput.py")])]
    for db in DATABASES:
        for pace, start in BURSTS:
            plan.append(
                (
                    "checkin_burst",
                    [
                        *(python, str(bench / "checkin_burst.py"), "--db", db),
                        *("--pace", pace, "--start", start, "--workers", "2", "--threads", "4"),
                    ],
                )
            )
    for db in DATABASES:
        plan.append(
            ("soak", [python, str(bench / "soak.py"), "--db", db, "--seconds", options.soak])
        )
    for db in DATABASES:
        reuse = getattr(options, f"reuse_{db}")
        extra = ["--reuse", reuse] if reuse else ["--scale", options.national_scale]
        plan.append(("national", [python, str(bench / "national.py"), "--db", db, *extra]))
    plan.append(("page_load", [python, str(bench / "all.py"), "--page-load-only"]))
    return [(name, command) for name, command in plan if name not in options.skip]


def page_load() -> int:
    """page_load.py against the production server on a fresh SQLite database."""
    instance = common.temp_instance()
    url = common.database_url("sqlite", instance)
    env = common.environment(url, instance)
    common.reset_database(url, env)
    with common.server(env, workers=2, threads=4, port=common.free_port()) as base:
        command = [str(common.BIN / "python"), "bench/page_load.py", "--url", base]
        return subprocess.run(command, cwd=common.ROOT, check=False).returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--national-scale", default="1.0")
    parser.add_argument("--soak-seconds", dest="soak", default="60")
    parser.add_argument("--reuse-sqlite")
    parser.add_argument("--reuse-postgres")
    parser.add_argument("--skip", nargs="*", default=[])
    parser.add_argument("--page-load-only", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.page_load_only:
        return page_load()
    failed = []
    for name, command in steps(options):
        started = time.time()
        print(f"== {name}: {' '.join(command[1:])}", flush=True)
        result = subprocess.run(command, cwd=common.ROOT, env=dict(os.environ), check=False)
        print(f"== {name}: exit {result.returncode} in {time.time() - started:.0f} s", flush=True)
        if result.returncode != 0:
            failed.append(f"{name} ({' '.join(command[2:])})")
    subprocess.run([str(common.BIN / "python"), "bench/summary.py"], cwd=common.ROOT, check=True)
    if failed:
        print("Did not complete: " + "; ".join(failed), file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
