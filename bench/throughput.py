"""Lesson page throughput on this machine, beside a static file from the same server (the
floor: what the server itself costs), for each candidate production server.

For each server (gunicorn gthread, gunicorn sync workers, granian WSGI), with one worker
per core: `wrk` (Debian package ``wrk``) for ``--seconds`` on a lesson page, then on a
static file, ``--runs`` times; the median run is kept. Also the resident memory of each
worker after the runs. The load generator shares the machine's cores with the server, as
the budget in PRODUCT.md is stated for "2 cores".

    .venv/bin/python bench/throughput.py [--seconds 10] [--runs 3] [--connections 16]

Figures go to bench/results/throughput.json; it never fails on a figure.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import common

LESSON = "/lessons/thanh-toan/quet-vietqr"
# What a phone's browser sends that changes the work: compressed answers, Vietnamese.
PHONE_HEADERS = ["-H", "Accept-Encoding: br, gzip", "-H", "Accept-Language: vi-VN,vi;q=0.9"]


def servers(port: int, workers: int) -> dict[str, list[str]]:
    bind = f"127.0.0.1:{port}"
    gunicorn = [str(common.BIN / "gunicorn"), "-b", bind, "--log-level", "warning"]
    return {
        "gunicorn gthread": [
            *gunicorn,
            *("-k", "gthread", "-w", str(workers), "--threads", "4", "wsgi:app"),
        ],
        "gunicorn sync": [*gunicorn, "-k", "sync", "-w", str(workers * 2), "wsgi:app"],
        "granian wsgi": [
            str(common.BIN / "granian"),
            "--interface",
            "wsgi",
            "--workers",
            str(workers),
            "--blocking-threads",
            "4",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "wsgi:app",
        ],
    }


def wrk(url: str, seconds: int, connections: int) -> dict:
    """One wrk run: requests per second and latency percentiles (ms)."""
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", *PHONE_HEADERS, url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout

    def ms(label: str) -> float:
        value, unit = re.search(rf"{label}\s+([\d.]+)(us|ms|s)", out).groups()
        return round(float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit], 1)

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "requests_per_second": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50_ms": ms("50%"),
        "p90_ms": ms("90%"),
        "p99_ms": ms("99%"),
        "non_2xx": int(errors.group(1)) if errors else 0,
    }


def worker_memory(root_pid: int) -> list[float]:
    """Resident memory (MiB) of each process under ``root_pid`` (the workers)."""
    children = subprocess.run(
        ["ps", "-o", "pid=,rss=", "--ppid", str(root_pid)],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.split()
    return [round(int(rss) / 1024, 1) for rss in children[1::2]]


def measure(name: str, command: list[str], port: int, env: dict, options) -> dict:
    base = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(command, cwd=common.ROOT, env=env)
    try:
        common.wait_until_up(port)
        static = urllib.request.urlopen(base + LESSON).read().decode()
        css = re.search(r'href="(/static/css/app\.css\?v=[0-9a-f]+)"', static).group(1)
        for path in (LESSON, css):  # warm every worker
            wrk(base + path, 2, options.connections)
        result = {}
        for label, path in (("lesson page", LESSON), ("static file", css)):
            runs = [
                wrk(base + path, options.seconds, options.connections) for _ in range(options.runs)
            ]
            runs.sort(key=lambda r: r["requests_per_second"])
            median = runs[len(runs) // 2]
            result[label] = {
                **median,
                "runs_requests_per_second": [r["requests_per_second"] for r in runs],
            }
        result["worker_memory_mib"] = worker_memory(process.pid)
        print(name, json.dumps(result), flush=True)
        return result
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(15)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    options = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is not installed (Debian: apt-get install wrk)", file=sys.stderr)
        return 2
    instance = common.temp_instance()
    url = common.database_url("sqlite", instance)
    env = common.environment(url, instance)
    common.reset_database(url, env)
    results = {}
    port = common.free_port()
    for name, command in servers(port, options.workers).items():
        results[name] = measure(name, command, port, env, options)
    data = {
        "cores": os.cpu_count(),
        "database": "sqlite",
        "wrk": f"2 threads, {options.connections} connections, {options.seconds} s",
        "runs": options.runs,
        "servers": results,
        "target_lesson_rps": 300,
        "median_of_lesson_rps": statistics.median(
            r["lesson page"]["requests_per_second"] for r in results.values()
        ),
    }
    path = common.record("throughput", "sqlite", data)
    print(f"recorded in {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
