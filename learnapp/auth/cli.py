"""``flask users …`` commands: the first admin and scripted set-up."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from flask_babel import gettext as _

from learnapp.areas import services as areas
from learnapp.auth import services
from learnapp.auth.models import Role
from learnapp.core.errors import UserError
from learnapp.extensions import db

users_cli = AppGroup("users", help="Accounts.")


@users_cli.command("create")
@click.option("--name", required=True, help="Full name.")
@click.option("--phone", required=True, help="Phone number, used to sign in.")
@click.option(
    "--role", type=click.Choice([r.value for r in Role]), default="admin", show_default=True
)
@click.option(
    "--area",
    "area_code",
    default=areas.ROOT_CODE,
    show_default=True,
    help="Area code: the home area (residents) or responsibility area (staff).",
)
@click.option(
    "--password",
    envvar="LEARNAPP_PASSWORD",
    default=None,
    help="Password (staff) or 6-digit PIN (residents). Staff without one get a "
    "one-time password that must be changed at first sign-in.",
)
def create_command(name: str, phone: str, role: str, area_code: str, password: str | None) -> None:
    """Create an account (by default the first administrator, for the whole country)."""
    area = areas.root() if area_code == areas.ROOT_CODE else areas.by_code(area_code)
    if area is None:
        raise click.ClickException(_("No area has the code %(code)s.", code=area_code))
    try:
        if Role(role) == Role.RESIDENT:
            user = services.register_resident(
                name=name, phone=phone, pin=password, area=area, assisted=True
            )
            one_time = None
        else:
            user, one_time = services.create_staff(
                name=name, phone=phone, role=Role(role), area=area, password=password
            )
    except UserError as error:
        db.session.rollback()
        raise click.ClickException(str(error.message)) from None
    db.session.commit()
    click.echo(
        _(
            "Created %(role)s %(name)s (%(phone)s) for %(area)s.",
            role=role,
            name=user.name,
            phone=user.phone,
            area=area.name,
        )
    )
    if one_time:
        click.echo(
            _("One-time password: %(password)s (to be changed at first sign-in)", password=one_time)
        )
