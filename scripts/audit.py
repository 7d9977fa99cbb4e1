"""Known vulnerabilities in the pinned packages (pip-audit over constraints.txt).

Fails (exit 1) when a known vulnerability is reported. pip-audit asks PyPI's JSON API about
each release (``/pypi/<name>/<version>/json``); a package index that does not serve that
address (a mirror or proxy, as in this workplace) makes every package "not found", and
pip-audit would then pass having audited nothing. For the packages it could not audit,
this script falls back on the project page (``/pypi/<name>/json``), whose
``vulnerabilities`` are those of the latest release: a pin that is the latest release is
audited that way; any other pin is listed as not audited. With ``AUDIT_REQUIRED=1`` a
package left unaudited is a failure.
"""

from __future__ import annotations

import json
import os
import subprocess  # nosec B404
import sys
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


PROJECT_PAGE = "https://pypi.org/pypi/{name}/json"


def latest_release(name: str) -> tuple[str | None, list[dict]]:
    """The latest release of ``name`` on PyPI and its known vulnerabilities."""
    url = PROJECT_PAGE.format(name=name)
    try:
        # A fixed https address.
        with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310  # nosec B310
            page = json.load(response)
    except (OSError, ValueError):
        return None, []
    return page.get("info", {}).get("version"), page.get("vulnerabilities") or []


def pins() -> dict[str, str]:
    """constraints.txt as {normalised name: version}."""
    found = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        name, sep, version = line.split("#")[0].strip().partition("==")
        if sep:
            found[name.lower().replace("_", "-").replace(".", "-")] = version
    return found


def fallback(skipped: list[dict]) -> tuple[list[dict], list[str]]:
    """Audit by project page what pip-audit skipped: (audited packages, not audited)."""
    pinned = pins()
    packages = [
        {"name": p["name"], "version": pinned.get(p["name"].lower().replace("_", "-"), "?")}
        for p in skipped
    ]
    with ThreadPoolExecutor(16) as pool:
        pages = list(pool.map(lambda p: latest_release(p["name"]), packages))
    audited, missed = [], []
    for package, (latest, vulns) in zip(packages, pages, strict=True):
        if latest == package["version"]:
            audited.append({**package, "vulns": vulns})
        else:
            missed.append(f"{package['name']} {package['version']} (latest: {latest or '?'})")
    return audited, missed


def main() -> int:
    # A fixed program, no shell.
    result = subprocess.run(  # nosec B603
        [
            str(BIN / "pip-audit"),
            "--requirement",
            str(ROOT / "constraints.txt"),
            "--no-deps",
            "--disable-pip",
            "--format",
            "json",
            "--progress-spinner",
            "off",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError:
        print(result.stderr.strip() or "pip-audit gave no report", file=sys.stderr)
        return 1
    packages = report.get("dependencies", [])
    audited = [p for p in packages if "skip_reason" not in p]
    skipped = [p for p in packages if "skip_reason" in p]
    by_page, missed = fallback(skipped) if skipped else ([], [])
    vulnerable = [p for p in audited + by_page if p.get("vulns")]
    for package in vulnerable:
        ids = ", ".join(v["id"] for v in package["vulns"])
        print(f"VULNERABLE: {package['name']} {package['version']}: {ids}", file=sys.stderr)
    if vulnerable:
        return 1
    print(
        f"Known vulnerabilities: none in {len(audited) + len(by_page)} of {len(packages)} "
        f"pinned packages ({len(audited)} by pip-audit, {len(by_page)} by PyPI's project "
        "page, the pin being the latest release)."
    )
    if missed:
        print(
            "NOT AUDITED (pip-audit cannot reach a vulnerability database from here, and "
            f"these pins are not the latest release): {', '.join(missed)}.",
            file=sys.stderr,
        )
        return 1 if os.environ.get("AUDIT_REQUIRED") == "1" else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
