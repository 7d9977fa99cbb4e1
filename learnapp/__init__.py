"""Học vụ số: the application factory and the one list of blueprints."""

from __future__ import annotations

import os
from typing import Any

from flask import Flask

from learnapp.config import Config
from learnapp.core.assets import assets
from learnapp.extensions import babel, compress, csrf, db, htmx, login_manager, migrate

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def create_app(config: type[Config] | dict[str, Any] | None = None) -> Flask:
    """Build the app. ``config`` is a config class or a mapping of overrides."""
    app = Flask(
        __name__,
        instance_path=os.environ.get("INSTANCE_PATH") or os.path.join(ROOT, "instance"),
        instance_relative_config=True,
        static_folder=None,  # /static/ is served by core/assets.py, from memory
    )
    app.config["STATIC_ROOT"] = os.path.join(ROOT, "static")
    app.config.from_object(Config)
    if isinstance(config, dict):
        app.config.update(config)
    elif config is not None:
        app.config.from_object(config)
    os.makedirs(app.instance_path, exist_ok=True)

    from learnapp.core import database, secrets

    secrets.ensure_secret_key(app)
    database.configure(app)

    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(ROOT, "migrations"), render_as_batch=True)
    csrf.init_app(app)
    htmx.init_app(app)

    from learnapp.core import i18n

    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", os.path.join(ROOT, "translations"))
    babel.init_app(app, locale_selector=i18n.select_locale, timezone_selector=None)
    i18n.init_app(app)

    login_manager.init_app(app)
    from learnapp.auth import throttle

    throttle.configure(app)
    if app.config["PROXY_COUNT"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        count = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)
    assets.init_app(app)
    compress.init_app(app)
    _register_blueprints(app)
    _register_commands(app)
    if not app.testing:
        _preload_lessons(app)
    return app


def _preload_lessons(app: Flask) -> None:
    """Read the lessons now, as a worker starts (0.6 s), not in the first request that
    needs them: at a door where 50 phones scan at once, that request (and those queued
    behind it) waited seconds. A broken lesson folder is reported on first use instead."""
    from learnapp.lessons.loader import CatalogueError, get_catalogue

    with app.app_context():
        try:
            get_catalogue()
        except (CatalogueError, OSError) as error:
            app.logger.warning("The lessons could not be read (flask lessons check): %s", error)


def _register_blueprints(app: Flask) -> None:
    from learnapp.api import bp as api_bp
    from learnapp.areas import bp as areas_bp
    from learnapp.attendance import bp as attendance_bp
    from learnapp.auth import bp as auth_bp
    from learnapp.badges import bp as badges_bp
    from learnapp.core import bp as core_bp
    from learnapp.dashboard import bp as dashboard_bp
    from learnapp.home import bp as home_bp
    from learnapp.lessons import bp as lessons_bp
    from learnapp.privacy import bp as privacy_bp
    from learnapp.pwa import bp as pwa_bp
    from learnapp.staff import bp as staff_bp

    for blueprint in (
        core_bp,
        auth_bp,
        areas_bp,
        staff_bp,
        lessons_bp,
        attendance_bp,
        badges_bp,
        dashboard_bp,
        home_bp,
        api_bp,
        pwa_bp,
        privacy_bp,
    ):
        app.register_blueprint(blueprint)


def _register_commands(app: Flask) -> None:
    from learnapp.areas.cli import areas_cli
    from learnapp.auth.cli import users_cli
    from learnapp.core.backup import backup_command
    from learnapp.dashboard.cli import stats_cli
    from learnapp.demo import demo_command
    from learnapp.lessons.cli import lessons_cli

    for command in (areas_cli, users_cli, lessons_cli, stats_cli, demo_command, backup_command):
        app.cli.add_command(command)
