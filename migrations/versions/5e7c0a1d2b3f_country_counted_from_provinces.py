"""the country's figures are the sum of its provinces: no summary rows of its own

Every event in the country added to the country's row of area_daily and area_active, so
on PostgreSQL all writers in the country queued for that one row. The country's figures
are now read as the sum of its provinces' rows (learnapp/dashboard/reports.py:
stored_in), and its rows are no longer written; this removes the rows written before.

Revision ID: 5e7c0a1d2b3f
Revises: 9db89f8e28ce
Create Date: 2026-11-29 07:20:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '5e7c0a1d2b3f'
down_revision = '9db89f8e28ce'
branch_labels = None
depends_on = None

COUNTRY = "(SELECT id FROM areas WHERE kind = 'country')"
COUNTERS = "registered, lessons_completed, check_ins, sessions, badges, badge_holders"


def upgrade():
    op.execute(f"DELETE FROM area_daily WHERE area_id IN {COUNTRY}")
    op.execute(f"DELETE FROM area_active WHERE area_id IN {COUNTRY}")


def downgrade():
    # The rows as the earlier code kept them: the sum of the provinces' rows.
    sums = ", ".join(f"SUM(d.{c})" for c in COUNTERS.split(", "))
    op.execute(
        f"INSERT INTO area_daily (area_id, day, course_slug, {COUNTERS}) "
        f"SELECT p.parent_id, d.day, d.course_slug, {sums} FROM area_daily d "
        f"JOIN areas p ON p.id = d.area_id WHERE p.parent_id IN {COUNTRY} "
        "GROUP BY p.parent_id, d.day, d.course_slug"
    )
    op.execute(
        "INSERT INTO area_active (area_id, day, residents) "
        "SELECT p.parent_id, a.day, SUM(a.residents) FROM area_active a "
        f"JOIN areas p ON p.id = a.area_id WHERE p.parent_id IN {COUNTRY} "
        "GROUP BY p.parent_id, a.day"
    )
