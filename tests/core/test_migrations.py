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


def test_country_rows_go_and_come_back_as_the_sum_of_provinces(app, places):
    from datetime import date

    from sqlalchemy import select

    from learnapp.dashboard.models import AreaActive, AreaDaily

    day = date(2026, 11, 2)
    for province, n in ((places.phu_tho, 3), (places.bac_ninh, 4)):
        _db.session.add(AreaDaily(area_id=province.id, day=day, course_slug="", check_ins=n))
        _db.session.add(AreaActive(area_id=province.id, day=day, residents=n))
    _db.session.commit()
    country = places.country.id

    def country_rows():
        _db.session.expire_all()
        daily = _db.session.scalars(select(AreaDaily).where(AreaDaily.area_id == country))
        active = _db.session.scalars(select(AreaActive).where(AreaActive.area_id == country))
        return [(r.day, r.check_ins) for r in daily], [(r.day, r.residents) for r in active]

    _db.session.close()
    downgrade(revision="9db89f8e28ce")  # the earlier code kept the country's own rows
    assert country_rows() == ([(day, 7)], [(day, 7)])
    _db.session.close()
    upgrade()
    assert country_rows() == ([], [])
