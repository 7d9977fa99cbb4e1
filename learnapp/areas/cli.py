"""``flask areas …`` commands."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from flask_babel import gettext as _

from learnapp.areas import services
from learnapp.core.errors import UserError
from learnapp.extensions import db

areas_cli = AppGroup("areas", help="Provinces, communes and residential areas.")


@areas_cli.command("import")
@click.argument("file", type=click.File("r", encoding="utf-8-sig"))
def import_command(file) -> None:
    """Load provinces, communes and residential areas from a CSV file.

    Columns: code,name,parent_code[,target_population]. Re-running updates names and
    targets; it never duplicates an area.
    """
    try:
        result = services.import_csv(file.read())
    except UserError as error:
        db.session.rollback()
        raise click.ClickException(str(error.message)) from None
    db.session.commit()
    click.echo(
        _(
            "%(created)d created, %(updated)d updated, %(unchanged)d unchanged.",
            created=result.created,
            updated=result.updated,
            unchanged=result.unchanged,
        )
    )
