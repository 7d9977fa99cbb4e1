"""DATABASE_REPLICA_URL: the dashboards and the coverage API read a replica (which may lag
the primary by a little); what they write (the audit log, a token's last use) goes to the
primary. The replica here is a copy of the SQLite file taken a moment earlier."""

import sqlite3

import pytest

from learnapp.core.backup import backup_sqlite
from learnapp.extensions import db as _db
from tests.conftest import DEFAULT_PASSWORD, ON_PG
from tests.dashboard.test_api import _get, admin, token  # noqa: F401 - fixtures

pytestmark = pytest.mark.skipif(ON_PG, reason="the replica is a copy of a SQLite file")


def _audit_rows(path) -> int:
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT count(*) FROM audit_log").fetchone()[0]


def test_dashboards_read_the_replica_and_write_the_primary(
    make_app,
    make_user,
    places,
    token,  # noqa: F811 - the fixture imported above
    tmp_path,
):
    make_user(name="Người thứ nhất")
    primary = _db.engine.url.database
    replica = tmp_path / "replica.db"
    backup_sqlite(primary, replica)  # the replica as of now
    make_user(name="Người thứ hai")  # registered after: not on the replica yet

    plain = make_app().test_client()
    assert _get(plain, "/api/v1/coverage/25", token).json["area"]["registered"] == 2

    app = make_app(DATABASE_REPLICA_URL=f"sqlite:///{replica}")
    client = app.test_client()
    before = _audit_rows(primary), _audit_rows(replica)
    response = _get(client, "/api/v1/coverage/25", token)
    assert response.status_code == 200
    assert response.json["area"]["registered"] == 1  # the replica's figures
    assert (_audit_rows(primary), _audit_rows(replica)) == (before[0] + 1, before[1])

    # An official's page and export: figures from the replica, the export's audit entry
    # in the primary; signing in (a write) is unaffected.
    official = make_user(role="official", area=places.phu_tho, name="Cán bộ tỉnh")
    client.post("/login", data={"phone": official.phone, "secret": DEFAULT_PASSWORD})
    page = client.get("/dashboard/25")
    assert page.status_code == 200
    export = client.get("/dashboard/25/export.csv?table=areas")
    assert export.status_code == 200
    assert _audit_rows(primary) == before[0] + 2 and _audit_rows(replica) == before[1]
