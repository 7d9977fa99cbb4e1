"""The database going away in the middle of a request: the person sees a calm page (or
JSON) saying nothing was half-saved, and nothing was; sending again once it is back
records everything exactly once."""

import re
import uuid

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.exc import OperationalError

from learnapp.auth.models import RoleGrant, User
from learnapp.extensions import db as _db
from learnapp.lessons.models import ProgressEvent
from tests.auth.test_register import _form
from tests.conftest import page_text


@pytest.fixture
def database_goes_away(app):
    """``goes_away(pattern, after=n)``: once ``n`` statements matching ``pattern`` have run,
    every further one fails as a dropped connection does (the driver's OperationalError),
    until ``comes_back()``."""
    engine = _db.engine
    state = {"pattern": None, "after": 0, "failed": 0}

    def before(conn, cursor, statement, parameters, context, executemany):
        if state["pattern"] and re.search(state["pattern"], statement):
            if state["after"] > 0:
                state["after"] -= 1
                return
            state["failed"] += 1
            raise OperationalError(statement, parameters, Exception("server closed the connection"))

    event.listen(engine, "before_cursor_execute", before)

    class Switch:
        def goes_away(self, pattern: str, after: int = 0) -> None:
            state["pattern"], state["after"] = pattern, after

        def comes_back(self) -> None:
            state["pattern"] = None

        @property
        def failed(self) -> int:
            return state["failed"]

    yield Switch()
    event.remove(engine, "before_cursor_execute", before)


def _count(model) -> int:
    _db.session.rollback()
    return _db.session.scalar(select(func.count()).select_from(model))


def test_registration_cut_half_way_leaves_no_account_and_can_be_sent_again(
    client, places, database_goes_away
):
    # The account row is written, then the connection drops before its role is.
    database_goes_away.goes_away(r"INSERT INTO role_grants")
    response = client.post("/register", data=_form(places))
    assert database_goes_away.failed == 1
    assert response.status_code == 503
    text = page_text(response)
    assert "Hiện chưa kết nối được với dữ liệu" in text
    assert "Không có gì bị lưu dở dang" in text
    assert _count(User) == 0 and _count(RoleGrant) == 0

    database_goes_away.comes_back()
    again = client.post("/register", data=_form(places))
    assert again.status_code == 302
    assert _count(User) == 1 and _count(RoleGrant) == 1


def _step(step: int) -> dict:
    return {
        "id": str(uuid.uuid4()),
        "type": "lesson.step",
        "course": "thanh-toan",
        "lesson": "quet-vietqr",
        "step": step,
    }


def test_sync_cut_half_way_keeps_what_was_recorded_and_a_replay_completes_it(
    client, make_user, login, database_goes_away
):
    login(make_user())
    batch = {"events": [_step(1), _step(2), _step(3)]}
    database_goes_away.goes_away(r"INSERT INTO progress_events", after=1)
    response = client.post("/api/v1/sync", json=batch)
    assert database_goes_away.failed == 2  # the second event, and its one retry
    assert response.status_code == 503
    assert response.json == {"error": "database unavailable", "status": 503}
    assert _count(ProgressEvent) == 1  # the first event, whole; nothing of the others

    database_goes_away.comes_back()
    replay = client.post("/api/v1/sync", json=batch)
    assert replay.status_code == 200
    assert [r["status"] for r in replay.json["results"]] == ["duplicate", "recorded", "recorded"]
    assert _count(ProgressEvent) == 3


def test_a_page_that_only_reads_says_so_in_english_too(
    client, make_user, login, database_goes_away
):
    login(make_user())
    database_goes_away.goes_away(r"^SELECT")
    response = client.get("/?lang=en")
    assert response.status_code == 503
    assert "We cannot reach the data right now" in page_text(response)
