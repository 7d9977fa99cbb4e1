"""``flask lessons check``: validate every lesson file."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from learnapp.lessons.loader import CatalogueError, lessons_dir, load_catalogue

lessons_cli = AppGroup("lessons", help="Lesson content.")


@lessons_cli.command("check")
def check_command() -> None:
    """Check every lesson file: required fields, both languages, quizzes, pictures, slugs.

    Prints each problem with its file and field, and exits with status 1 if any.
    """
    try:
        catalogue = load_catalogue(lessons_dir())
    except CatalogueError as error:
        for problem in error.problems:
            click.echo(f"ERROR {problem}", err=True)
        raise SystemExit(1) from None
    lessons = sum(len(c.lessons) for c in catalogue.courses)
    click.echo(f"OK: {len(catalogue.courses)} courses, {lessons} lessons.")
