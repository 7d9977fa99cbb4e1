"""``flask stats …``: the summary tables behind the dashboards."""

from __future__ import annotations

import time

import click
from flask.cli import AppGroup

from learnapp.core.database import writing
from learnapp.dashboard import stats
from learnapp.extensions import db

stats_cli = AppGroup("stats", help="Coverage summary tables.")


@stats_cli.command("rebuild")
def rebuild_command() -> None:
    """Recompute every summary table from the records (safe to run at any time)."""
    started = time.perf_counter()
    with writing():
        written = stats.rebuild()
        db.session.commit()
    click.echo(", ".join(f"{name}: {rows}" for name, rows in written.items()))
    click.echo(f"Rebuilt in {time.perf_counter() - started:.1f} s.")
