"""A resident close to a badge: helpers to pass lessons and attend sessions."""

import uuid
from datetime import timedelta

import pytest

from learnapp.attendance import services as attendance
from learnapp.attendance.models import Method
from learnapp.core.time import utcnow
from learnapp.extensions import db as _db
from learnapp.lessons import services as lessons
from learnapp.lessons.loader import get_catalogue

COURSE = "thanh-toan"


def right_answers(lesson) -> list[str]:
    return [q.right_choice().value for q in lesson.quiz.questions]


@pytest.fixture
def pass_lessons():
    """``pass_lessons(user, course, leave=0)``: pass every lesson but the last ``leave``."""

    def do(user, course_slug=COURSE, leave=0):
        catalogue = get_catalogue()
        course = catalogue.course(course_slug)
        for lesson in course.lessons[: len(course.lessons) - leave]:
            lessons.record_event(
                user,
                catalogue,
                {
                    "id": str(uuid.uuid4()),
                    "kind": "quiz",
                    "course": course_slug,
                    "lesson": lesson.slug,
                    "answers": right_answers(lesson),
                },
            )
        _db.session.commit()

    return do


@pytest.fixture
def staff(make_user, places):
    trainer = make_user(role="trainer", area=places.lam_thao, name="Vũ Minh Trang")
    official = make_user(role="official", area=places.lam_thao, name="Đỗ Thu Hằng")
    return trainer, official


@pytest.fixture
def attend(staff, places):
    """``attend(user, courses=[...])``: a session covering those courses, attended."""

    def do(user, courses=(COURSE,)):
        trainer, _ = staff
        start = utcnow() - timedelta(minutes=30)
        found = attendance.save_session(
            None,
            creator=trainer,
            area=places.thuy_nhat,
            team=None,
            title="Buổi học",
            place="Nhà văn hóa",
            starts_at=start,
            ends_at=start + timedelta(hours=2),
            course_slugs=list(courses),
            known_courses={c.slug for c in get_catalogue().courses},
        )
        attendance.check_in(
            found,
            user,
            method=Method.MANUAL,
            client_uuid=str(uuid.uuid4()),
            recorded_by=trainer,
            at=start + timedelta(minutes=5),
        )
        _db.session.commit()
        return found

    return do
