"""A small commune whose figures are counted by hand in the tests."""

import uuid
from datetime import timedelta

import pytest

from learnapp.attendance import services as attendance
from learnapp.attendance.models import Method
from learnapp.badges import services as badges
from learnapp.core.time import utcnow
from learnapp.extensions import db as _db
from learnapp.lessons import services as lessons
from learnapp.lessons.loader import get_catalogue
from tests.badges.conftest import right_answers


def _pass(user, course_slug, count):
    catalogue = get_catalogue()
    for lesson in catalogue.course(course_slug).lessons[:count]:
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


@pytest.fixture
def commune(make_user, places):
    """Lâm Thao: A, B, C in Khu Thùy Nhật, D in Khu Phú Thịnh; E in Bắc Ninh.

    A passed 2 lessons of "thanh-toan" and came to session S1; B passed all 7 and came to
    S1 (a badge); C did nothing; D came to S2 ("dien-thoai") and had its skills signed off
    (a badge); E passed 1 lesson. S3 was cancelled.
    """
    trainer = make_user(role="trainer", area=places.lam_thao, name="Vũ Minh Trang")
    a, b, c = (make_user(name=n, area=places.thuy_nhat) for n in ("Người A", "Người B", "Người C"))
    d = make_user(name="Người D", area=places.phu_thinh)
    e = make_user(name="Người E", area=places.thon_dong)
    known = {c.slug for c in get_catalogue().courses}
    start = utcnow() - timedelta(days=2)

    def session(area, course, title):
        return attendance.save_session(
            None,
            creator=trainer,
            area=area,
            team=None,
            title=title,
            place="Nhà văn hóa",
            starts_at=start,
            ends_at=start + timedelta(hours=2),
            course_slugs=[course],
            known_courses=known,
        )

    s1 = session(places.thuy_nhat, "thanh-toan", "S1")
    s2 = session(places.phu_thinh, "dien-thoai", "S2")
    s3 = session(places.thuy_nhat, "thanh-toan", "S3")
    attendance.cancel_session(s3)
    _pass(a, "thanh-toan", 2)
    _pass(b, "thanh-toan", 7)
    _pass(e, "an-toan-mang", 1)
    for person, found in ((a, s1), (b, s1), (d, s2)):
        attendance.check_in(
            found,
            person,
            method=Method.MANUAL,
            client_uuid=str(uuid.uuid4()),
            recorded_by=trainer,
            at=start + timedelta(minutes=10),
        )
    badges.sign_off(
        session=s2,
        person=d,
        trainer=trainer,
        course_slug="dien-thoai",
        skill_keys=[s.key for s in get_catalogue().course("dien-thoai").badge.skills],
    )
    _db.session.commit()
    return {"trainer": trainer, "people": (a, b, c, d, e), "sessions": (s1, s2, s3)}
