"""scripts/audit.py: pip-audit's report read right (the index here cannot serve it, so the
reading is tested on reports of the shape pip-audit writes)."""

import importlib.util
import json
import subprocess
from pathlib import Path

import pytest

spec = importlib.util.spec_from_file_location(
    "audit", Path(__file__).resolve().parents[1] / "scripts" / "audit.py"
)
audit = importlib.util.module_from_spec(spec)
spec.loader.exec_module(audit)


def _report(monkeypatch, dependencies):
    def run(*args, **kwargs):
        out = json.dumps({"dependencies": dependencies, "fixes": []})
        return subprocess.CompletedProcess(args, 1, stdout=out, stderr="")

    monkeypatch.setattr(audit.subprocess, "run", run)


def test_a_known_vulnerability_fails(monkeypatch, capsys):
    _report(
        monkeypatch,
        [
            {"name": "flask", "version": "3.1.3", "vulns": []},
            {"name": "jinja2", "version": "3.0.0", "vulns": [{"id": "GHSA-h5c8-rqwp-cp95"}]},
        ],
    )
    assert audit.main() == 1
    assert "VULNERABLE: jinja2 3.0.0: GHSA-h5c8-rqwp-cp95" in capsys.readouterr().err


def test_audited_and_clean_passes(monkeypatch, capsys):
    _report(monkeypatch, [{"name": "flask", "version": "3.1.3", "vulns": []}])
    assert audit.main() == 0
    assert "1 packages audited, no known vulnerabilities" in capsys.readouterr().out


@pytest.mark.parametrize(("required", "code"), [("", 0), ("1", 1)])
def test_nothing_audited_is_said_and_fails_when_required(monkeypatch, capsys, required, code):
    skipped = {"name": "flask", "version": "3.1.3", "skip_reason": "Dependency not found on PyPI"}
    _report(monkeypatch, [skipped])
    monkeypatch.setenv("AUDIT_REQUIRED", required)
    assert audit.main() == code
    assert "NOT AUDITED" in capsys.readouterr().err
