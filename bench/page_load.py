"""Page weight and load time on a throttled phone, measured in Debian's Chromium.

Throttling as Lighthouse's mobile preset: 150 ms round trip, 1.6 Mbit/s down, 750 kbit/s
up, CPU slowed 4×. Each page is loaded cold (new browser profile: no cache, no service
worker) several times; we record the median and the slowest load (navigation start to the
load event), first contentful paint, and the bytes on the wire by type.

    .venv/bin/python bench/page_load.py --url http://127.0.0.1:5000 [--runs 5] [PATH ...]

It measures and records (bench/results/page_load.json); it never fails on a figure.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
NETWORK = {
    "offline": False,
    "latency": 150,
    "downloadThroughput": 1.6e6 / 8,
    "uploadThroughput": 750e3 / 8,
}
CPU_SLOWDOWN = 4
DEFAULT_PATHS = ["/lessons/thanh-toan/quet-vietqr", "/lessons/", "/login", "/"]


def kind(mime: str) -> str:
    if "javascript" in mime:
        return "js"
    if "css" in mime:
        return "css"
    if "html" in mime:
        return "html"
    if mime.startswith("image/"):
        return "image"
    if "font" in mime:
        return "font"
    return "other"


def measure(browser, url: str) -> dict:
    context = browser.new_context(
        viewport={"width": 360, "height": 740},
        locale="vi-VN",
        is_mobile=True,
        has_touch=True,
        device_scale_factor=2,
        service_workers="block",
    )
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    cdp.send("Network.emulateNetworkConditions", NETWORK)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN})
    mimes: dict[str, str] = {}
    sizes: dict[str, int] = {}
    cdp.on(
        "Network.responseReceived",
        lambda e: mimes.__setitem__(e["requestId"], e["response"]["mimeType"]),
    )
    cdp.on(
        "Network.loadingFinished",
        lambda e: sizes.__setitem__(e["requestId"], e["encodedDataLength"]),
    )
    page.goto(url, wait_until="load", timeout=120_000)
    timing = page.evaluate("""() => {
        const nav = performance.getEntriesByType('navigation')[0];
        const fcp = performance.getEntriesByName('first-contentful-paint')[0];
        return {load: nav.loadEventEnd, dcl: nav.domContentLoadedEventEnd,
                fcp: fcp ? fcp.startTime : null};
    }""")
    page.wait_for_load_state("networkidle")
    by_kind: dict[str, int] = {}
    for rid, size in sizes.items():
        by_kind[kind(mimes.get(rid, ""))] = by_kind.get(kind(mimes.get(rid, "")), 0) + size
    context.close()
    return {
        "load_ms": timing["load"],
        "fcp_ms": timing["fcp"],
        "dcl_ms": timing["dcl"],
        "bytes": sum(sizes.values()),
        "requests": len(sizes),
        "by_kind": by_kind,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:5000")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--label", default="Học vụ số")
    results_dir = os.environ.get("BENCH_RESULTS") or Path(__file__).parent / "results"
    parser.add_argument("--out", default=str(Path(results_dir) / "page_load.json"))
    parser.add_argument("paths", nargs="*", default=DEFAULT_PATHS)
    options = parser.parse_args()
    results = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for path in options.paths:
            measure(browser, options.url + path)  # warm the server: not recorded
            runs = [measure(browser, options.url + path) for _ in range(options.runs)]
            loads = sorted(r["load_ms"] for r in runs)
            results[path] = {
                "load_ms_median": round(statistics.median(loads)),
                "load_ms_max": round(loads[-1]),
                "fcp_ms_median": round(statistics.median(r["fcp_ms"] or 0 for r in runs)),
                "kib": round(runs[0]["bytes"] / 1024, 1),
                "js_kib": round(runs[0]["by_kind"].get("js", 0) / 1024, 1),
                "requests": runs[0]["requests"],
                "by_kind_kib": {k: round(v / 1024, 1) for k, v in runs[0]["by_kind"].items()},
            }
        browser.close()
    record = {
        "label": options.label,
        "url": options.url,
        "measured_at": time.strftime("%Y-%m-%d %H:%M"),
        "network": "150 ms RTT, 1.6 Mbit/s down, 750 kbit/s up",
        "cpu_slowdown": CPU_SLOWDOWN,
        "runs": options.runs,
        "pages": results,
    }
    out = Path(options.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    existing = json.loads(out.read_text()) if out.exists() else {}
    existing[options.label] = record
    out.write_text(json.dumps(existing, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print("| page | load (median / max) | first paint | on the wire | JS | requests |")
    print("| --- | --- | --- | --- | --- | --- |")
    for path, r in results.items():
        print(
            f"| `{path}` | {r['load_ms_median']} / {r['load_ms_max']} ms | {r['fcp_ms_median']} ms"
            f" | {r['kib']} KiB | {r['js_kib']} KiB | {r['requests']} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
