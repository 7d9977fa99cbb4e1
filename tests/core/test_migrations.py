"""The migrations and the models describe the same schema."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from learnapp.extensions import db as _db


def _diff():
    with _db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(context, _db.metadata)


def test_models_match_migrations(app):
    # The test database was built by running every migration.
    assert _diff() == []


def test_migrations_go_down_and_up_again(app):
    downgrade(revision="base")
    with _db.engine.connect() as conn:
        tables = set(_db.inspect(conn).get_table_names()) - {"alembic_version"}
    assert tables == set()
    upgrade()
    assert _diff() == []
