"""A check-in's counts go where the session is when the check-in is written."""

import uuid

from sqlalchemy import select, update

from learnapp.attendance import services
from learnapp.attendance.models import SessionCourse, TrainingSession
from learnapp.core.database import end_read, reading
from learnapp.dashboard.models import AreaDaily
from learnapp.extensions import db as _db


def _check_ins(area, course):
    found = _db.session.scalars(
        select(AreaDaily.check_ins).where(
            AreaDaily.area_id == area.id, AreaDaily.course_slug == course
        )
    )
    return sum(found)


def test_a_session_moved_between_the_look_up_and_the_write(
    trainer, make_user, make_session, places
):
    # The sync API looks an event up (read transaction), then writes in a transaction of
    # its own. Another trainer moves the session to another area and course in between.
    session = make_session(courses=["thanh-toan"])
    person = make_user(phone=None, name="Lò Thị Mai")
    event = {"id": str(uuid.uuid4()), "session": session.id, "card": f"/u/{person.card_token}"}
    with reading():
        write = services.prepare_event(trainer, "card", event)
    assert callable(write)
    with _db.engine.begin() as other:  # the other trainer's request, on its own connection
        other.execute(
            update(TrainingSession)
            .where(TrainingSession.id == session.id)
            .values(area_id=places.phu_thinh.id)
        )
        other.execute(
            update(SessionCourse)
            .where(SessionCourse.session_id == session.id)
            .values(course_slug="dien-thoai")
        )
    end_read()
    assert write().status == "recorded"
    _db.session.commit()
    assert _check_ins(places.phu_thinh, "dien-thoai") == 1
    assert _check_ins(places.thuy_nhat, "thanh-toan") == 0
    assert _check_ins(places.thuy_nhat, "dien-thoai") == 0
