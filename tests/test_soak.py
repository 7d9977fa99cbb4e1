"""A short soak (bench/soak.py) in every test run: mixed traffic against the production
server with two workers, then the database checked: nothing lost, nothing stored twice, no 5xx, the
summary tables equal to a rebuild. The full minute-long runs are in docs/performance.md."""

import json
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import create_engine, text

from learnapp.core.database import normalise_url
from tests.conftest import ON_PG, PG_URL

ROOT = Path(__file__).resolve().parents[1]


def test_a_short_soak_loses_nothing_and_stores_nothing_twice(tmp_path):
    env = {**os.environ, "BENCH_RESULTS": str(tmp_path)}
    if ON_PG:  # a database of its own: the soak starts from an empty schema
        admin = create_engine(normalise_url(PG_URL), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text("DROP DATABASE IF EXISTS hvs_soak_test"))
            conn.execute(text("CREATE DATABASE hvs_soak_test"))
        admin.dispose()
        env["BENCH_DATABASE_URL"] = PG_URL.rsplit("/", 1)[0] + "/hvs_soak_test"
    database = "postgres" if ON_PG else "sqlite"
    short = ["--seconds", "6", "--residents", "120", "--readers", "3", "--learners", "6"]
    result = subprocess.run(
        [sys.executable, "bench/soak.py", "--db", database, *short],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    figures = json.loads((tmp_path / "soak.json").read_text())[database]
    check = figures["database_check"]
    assert figures["correct"] and figures["server_errors"] == []
    assert check["events_acknowledged"] > 0 and check["events_lost"] == 0
    assert check["cards_acknowledged"] > 0 and check["check_ins_lost"] == 0
    assert figures["results"]["duplicate"] > 0  # replays and races did happen
    assert check["summary_equals_rebuild"]
