"""``flask backup``: a consistent copy taken while residents keep registering, which the
app can then run from (the restore that docs/operations.md describes)."""

import sqlite3
import subprocess
import threading
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from learnapp.areas.models import Area
from learnapp.auth import services as auth
from learnapp.core.backup import backup_sqlite
from learnapp.core.database import normalise_url, writing
from learnapp.extensions import db as _db
from tests.conftest import ON_PG, PG_URL, _make_app


def _register_until(app, area_id: int, stop: threading.Event, done: list[int]) -> None:
    """Another worker of the app: residents registering one after another."""
    with app.app_context():
        area = _db.session.get(Area, area_id)
        n = 0
        while not stop.is_set() and n < 2000:
            with writing():
                auth.register_resident(name=f"Người thứ {n}", area=area, assisted=True)
                _db.session.commit()
            n += 1
        done.append(n)
        _db.session.remove()


@pytest.mark.skipif(ON_PG, reason="the SQLite online backup; PostgreSQL is tested below")
@pytest.mark.parametrize("pages_per_step", [-1, 1], ids=["one-snapshot", "page-by-page"])
def test_sqlite_backup_while_the_app_writes_is_consistent_and_restores(
    app, places, runner, tmp_path, pages_per_step
):
    stop, done = threading.Event(), []
    writer = threading.Thread(target=_register_until, args=(app, places.thuy_nhat.id, stop, done))
    writer.start()
    try:
        target = tmp_path / "copy.db"
        while not _db.session.scalar(text("SELECT count(*) FROM users")):
            _db.session.rollback()  # until the writer is under way
        _db.session.rollback()
        # Page by page, commits land while the copy is made (and make SQLite restart it).
        backup_sqlite(_db.engine.url.database, target, pages_per_step=pages_per_step)
    finally:
        stop.set()
        writer.join()
    assert done and done[0] > 0

    copy = sqlite3.connect(target)
    users, grants = copy.execute(
        "SELECT (SELECT count(*) FROM users), (SELECT count(*) FROM role_grants)"
    ).fetchone()
    copy.close()
    assert users == grants  # each registration whole, or not at all
    assert 0 < users <= done[0]

    # The app runs from the copy, as after a restore.
    restored = _make_app(f"sqlite:///{target}", str(tmp_path / "restored"))
    with restored.test_client() as client:
        assert client.get("/healthz").json == {"status": "ok", "database": "ok"}


@pytest.mark.skipif(ON_PG, reason="SQLite file names")
def test_backup_command_names_its_file_and_refuses_to_overwrite(app, places, runner, tmp_path):
    auth.register_resident(name="Bà Lan", area=places.thuy_nhat, assisted=True)
    _db.session.commit()
    result = runner.invoke(args=["backup"])
    assert result.exit_code == 0, result.output
    written = Path(result.output.split("Backup written: ")[1].split(" (")[0])
    assert written.parent == Path(app.instance_path) / "backups"
    assert sqlite3.connect(written).execute("SELECT name FROM users").fetchall() == [("Bà Lan",)]

    target = tmp_path / "mine.db"
    assert runner.invoke(args=["backup", str(target)]).exit_code == 0
    again = runner.invoke(args=["backup", str(target)])
    assert again.exit_code != 0
    assert "exists already" in again.output


@pytest.mark.skipif(not ON_PG, reason="pg_dump needs PostgreSQL")
def test_postgres_backup_restores_into_a_new_database(app, places, runner, tmp_path):
    auth.register_resident(name="Bà Lan", area=places.thuy_nhat, assisted=True)
    _db.session.commit()
    target = tmp_path / "copy.dump"
    result = runner.invoke(args=["backup", str(target)])
    assert result.exit_code == 0, result.output

    admin = create_engine(normalise_url(PG_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("DROP DATABASE IF EXISTS hvs_restore_test"))
        conn.execute(text("CREATE DATABASE hvs_restore_test"))
    restore_url = PG_URL.rsplit("/", 1)[0] + "/hvs_restore_test"
    try:
        subprocess.run(
            ["pg_restore", "--no-owner", f"--dbname={restore_url}", str(target)],
            check=True,
            capture_output=True,
        )
        restored = create_engine(normalise_url(restore_url))
        with restored.connect() as conn:
            assert conn.execute(text("SELECT name FROM users")).scalars().all() == ["Bà Lan"]
        restored.dispose()
    finally:
        with admin.connect() as conn:
            conn.execute(text("DROP DATABASE IF EXISTS hvs_restore_test"))
        admin.dispose()
