"""Known vulnerabilities in the pinned packages (pip-audit over constraints.txt).

Fails (exit 1) when pip-audit reports a known vulnerability. pip-audit asks PyPI's JSON API
about each release (``/pypi/<name>/<version>/json``); a package index that does not serve
it (a mirror, a proxy) makes every package "not found", and pip-audit would then pass
having audited nothing. This script counts what was really audited and says loudly when
nothing was; with ``AUDIT_REQUIRED=1`` (set it where PyPI is reachable) that is a failure.
"""

from __future__ import annotations

import json
import os
import subprocess  # nosec B404: runs pip-audit, no shell
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def main() -> int:
    result = subprocess.run(  # nosec B603: fixed program, no shell
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
    vulnerable = [p for p in audited if p.get("vulns")]
    for package in vulnerable:
        ids = ", ".join(v["id"] for v in package["vulns"])
        print(f"VULNERABLE: {package['name']} {package['version']}: {ids}", file=sys.stderr)
    if vulnerable:
        return 1
    if not audited:
        print(
            f"NOT AUDITED: the package index here does not serve PyPI's per-release JSON API, "
            f"so none of the {len(packages)} pinned packages could be checked "
            "(docs/security.md, 'Dependencies').",
            file=sys.stderr,
        )
        return 1 if os.environ.get("AUDIT_REQUIRED") == "1" else 0
    skipped = len(packages) - len(audited)
    print(f"pip-audit: {len(audited)} packages audited, no known vulnerabilities", end="")
    print(f" ({skipped} not found on the index)." if skipped else ".")
    return 0


if __name__ == "__main__":
    sys.exit(main())
