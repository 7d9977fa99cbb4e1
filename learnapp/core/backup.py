"""``flask backup``: a consistent copy of the database, taken while the app runs.

SQLite: the online backup API copies the file in one read transaction (WAL mode lets the
app's writers go on meanwhile), so the copy is always one committed state, never a mix.
The copy is then checked (``PRAGMA integrity_check``) before its name is printed.
PostgreSQL: ``pg_dump`` in its custom format (one consistent snapshot), restored with
``pg_restore``. docs/operations.md says how to restore either.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess  # nosec B404
from datetime import UTC, datetime
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.engine import make_url

from learnapp.extensions import db


class BackupError(Exception):
    """The backup could not be written; the message says why, for the operator."""


def default_target(folder: Path, suffix: str) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    return folder / f"hocvuso-{stamp}{suffix}"


def backup_sqlite(source: str, target: Path, pages_per_step: int = -1) -> int:
    """Copy the SQLite database at ``source`` into ``target`` with the online backup API
    and check the copy; returns its size in bytes.

    By default the copy is one step inside one read transaction: in WAL mode writers go on
    meanwhile and the copy is the state at its start. (In small steps, any commit by
    another connection restarts the copy, which a busy app could keep doing for ever.)"""
    if target.exists():
        raise BackupError(f"{target} exists already; choose another name.")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".part")
    live = sqlite3.connect(source, timeout=30)
    try:
        copy = sqlite3.connect(partial)
        try:
            live.backup(copy, pages=pages_per_step)
            status = copy.execute("PRAGMA integrity_check").fetchone()[0]
            copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        finally:
            copy.close()
    finally:
        live.close()
    if status != "ok":
        partial.unlink(missing_ok=True)
        raise BackupError(f"The copy failed its integrity check: {status}")
    partial.rename(target)
    return target.stat().st_size


def backup_postgres(url: str, target: Path) -> int:
    """``pg_dump --format=custom`` of the database at ``url`` into ``target``."""
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        raise BackupError("pg_dump is not installed (Debian: apt-get install postgresql-client).")
    if target.exists():
        raise BackupError(f"{target} exists already; choose another name.")
    target.parent.mkdir(parents=True, exist_ok=True)
    plain = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    partial = target.with_name(target.name + ".part")
    # A fixed program (pg_dump), no shell.
    result = subprocess.run(  # noqa: S603  # nosec B603
        [pg_dump, "--format=custom", "--no-owner", f"--file={partial}", f"--dbname={plain}"],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        partial.unlink(missing_ok=True)
        raise BackupError(result.stderr.strip() or "pg_dump failed")
    partial.rename(target)
    return target.stat().st_size


@click.command("backup")
@click.argument("target", required=False, type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(target: Path | None) -> None:
    """Write a consistent copy of the database (safe while the app runs).

    TARGET defaults to instance/backups/hocvuso-<UTC time>.db (SQLite) or .dump
    (PostgreSQL)."""
    url = db.engine.url
    folder = Path(current_app.instance_path) / "backups"
    try:
        if url.get_backend_name() == "sqlite":
            if not url.database or url.database == ":memory:":
                raise BackupError("This database lives in memory only: nothing to back up.")
            target = target or default_target(folder, ".db")
            size = backup_sqlite(url.database, target)
        else:
            target = target or default_target(folder, ".dump")
            size = backup_postgres(url.render_as_string(hide_password=False), target)
    except (BackupError, sqlite3.Error, OSError) as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Backup written: {target} ({size / 1024 / 1024:.1f} MiB)")
