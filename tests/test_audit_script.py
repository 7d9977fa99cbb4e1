"""scripts/audit.py: pip-audit's report and PyPI's project pages read right (the index here
cannot serve pip-audit, so the reading is tested on answers of the shape they have)."""

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


def _report(monkeypatch, dependencies, latest=None):
    def run(*args, **kwargs):
        out = json.dumps({"dependencies": dependencies, "fixes": []})
        return subprocess.CompletedProcess(args, 1, stdout=out, stderr="")

    monkeypatch.setattr(audit.subprocess, "run", run)
    monkeypatch.setattr(audit, "pins", lambda: {"flask": "3.1.3", "jinja2": "3.0.0"})
    monkeypatch.setattr(audit, "latest_release", lambda name: (latest or {})[name])


def _skipped(name):
    return {"name": name, "skip_reason": f"Dependency not found on PyPI: {name}"}


def test_a_vulnerability_found_by_pip_audit_fails(monkeypatch, capsys):
    _report(
        monkeypatch,
        [
            {"name": "flask", "version": "3.1.3", "vulns": []},
            {"name": "jinja2", "version": "3.0.0", "vulns": [{"id": "GHSA-h5c8-rqwp-cp95"}]},
        ],
    )
    assert audit.main() == 1
    assert "VULNERABLE: jinja2 3.0.0: GHSA-h5c8-rqwp-cp95" in capsys.readouterr().err


def test_a_vulnerability_on_the_project_page_of_a_latest_pin_fails(monkeypatch, capsys):
    latest = {"flask": ("3.1.3", []), "jinja2": ("3.0.0", [{"id": "PYSEC-2024-1"}])}
    _report(monkeypatch, [_skipped("flask"), _skipped("jinja2")], latest)
    assert audit.main() == 1
    assert "VULNERABLE: jinja2 3.0.0: PYSEC-2024-1" in capsys.readouterr().err


def test_clean_latest_pins_pass(monkeypatch, capsys):
    _report(monkeypatch, [_skipped("flask")], {"flask": ("3.1.3", [])})
    assert audit.main() == 0
    assert "none in 1 of 1 pinned packages" in capsys.readouterr().out


@pytest.mark.parametrize(("required", "code"), [("", 0), ("1", 1)])
def test_an_older_pin_is_named_as_not_audited(monkeypatch, capsys, required, code):
    _report(monkeypatch, [_skipped("flask")], {"flask": ("3.2.0", [])})
    monkeypatch.setenv("AUDIT_REQUIRED", required)
    assert audit.main() == code
    assert "NOT AUDITED" in capsys.readouterr().err
