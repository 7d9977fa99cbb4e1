"""Earning a badge: lessons plus a session, or skills signed off; exactly once."""

import uuid
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from learnapp.badges import services
from learnapp.badges.models import Badge, SkillSignoff
from learnapp.core.database import writing
from learnapp.extensions import db as _db
from learnapp.lessons.loader import get_catalogue
from tests.badges.conftest import COURSE
from tests.conftest import page_text


def _badges() -> int:
    _db.session.rollback()
    return _db.session.scalar(select(func.count()).select_from(Badge))


def test_lessons_then_a_session_earn_the_badge(client, login, make_user, pass_lessons, attend):
    resident = make_user(name="Hoàng Thị Thích")
    pass_lessons(resident)
    assert _badges() == 0  # the lessons alone are not enough
    attend(resident)
    badge = _db.session.scalar(select(Badge))
    assert badge.course_slug == COURSE and badge.basis == "learning"
    assert badge.holder_name == "Hoàng Thị T." and badge.area.code == "08494"
    login(resident)
    home = page_text(client.get("/"))
    assert "Chúc mừng! Bạn vừa nhận được huy hiệu" in home
    page = page_text(client.get(f"/b/{badge.public_id}"))
    assert "Huy hiệu hợp lệ" in page
    assert "Chúc mừng" not in page_text(client.get("/"))  # seen: said once


def test_a_session_then_the_last_lesson_earn_it_too(make_user, pass_lessons, attend):
    resident = make_user()
    attend(resident)
    pass_lessons(resident, leave=1)
    assert _badges() == 0
    pass_lessons(resident)  # the last one (and the others again: no change)
    assert _badges() == 1


def test_a_session_about_another_course_does_not_count(make_user, pass_lessons, attend):
    resident = make_user()
    pass_lessons(resident)
    attend(resident, courses=["dien-thoai"])
    assert _badges() == 0


def test_skills_signed_off_at_a_session_earn_the_badge(client, login, make_user, staff, attend):
    resident = make_user(name="Bùi Văn Tâm", phone=None)
    found = attend(resident)
    trainer, _ = staff
    login(trainer)
    keys = [s.key for s in get_catalogue().course(COURSE).badge.skills]
    page = client.get(f"/sessions/{found.id}/skills?person={resident.id}")
    assert "Bùi Văn Tâm" in page_text(page)
    client.post(
        f"/sessions/{found.id}/skills",
        data={"person": str(resident.id), "course": COURSE, "skills": keys[:2]},
    )
    assert _badges() == 0
    response = client.post(
        f"/sessions/{found.id}/skills",
        data={"person": str(resident.id), "course": COURSE, "skills": keys},
    )
    assert "kỹ năng" in page_text(client.get(response.headers["Location"]))
    badge = _db.session.scalar(select(Badge))
    assert badge.basis == "skills"
    assert _db.session.scalar(select(func.count()).select_from(SkillSignoff)) == len(keys)


def test_a_check_in_issues_a_skills_badge_that_was_not_issued_then(make_user, staff, attend):
    # Every skill signed off, but no badge: e.g. the course had one more skill then. The
    # next check-in at a session about the course issues it, as before the check-in's
    # shortcut (which skips the full check for people who finished nothing).
    resident = make_user(name="Bùi Văn Tâm", phone=None)
    trainer, _ = staff
    for skill in get_catalogue().course(COURSE).badge.skills:
        _db.session.add(
            SkillSignoff(
                user_id=resident.id,
                course_slug=COURSE,
                skill_key=skill.key,
                signed_by_id=trainer.id,
            )
        )
    _db.session.commit()
    assert _badges() == 0
    attend(resident)
    badge = _db.session.scalar(select(Badge))
    assert badge.course_slug == COURSE and badge.basis == "skills"


def test_skills_sign_off_bad_input(client, login, make_user, staff, attend, places):
    resident = make_user()
    found = attend(resident)
    trainer, _ = staff
    login(trainer)
    for data, message in (
        ({"course": COURSE, "skills": []}, "ít nhất một kỹ năng"),
        ({"course": COURSE, "skills": ["bịa"]}, "kỹ năng trong danh sách"),
        ({"course": "dien-thoai", "skills": ["x"]}, "khóa học của buổi này"),
    ):
        response = client.post(
            f"/sessions/{found.id}/skills", data={"person": str(resident.id), **data}
        )
        assert response.status_code == 302
        assert message in page_text(client.get(response.headers["Location"]))
    assert _db.session.scalar(select(func.count()).select_from(SkillSignoff)) == 0
    stranger = make_user(name="Không có mặt")
    assert client.get(f"/sessions/{found.id}/skills?person={stranger.id}").status_code == 404
    other = make_user(role="trainer", area=places.lam_thao_bn)
    client.post("/logout")
    login(other)
    assert client.get(f"/sessions/{found.id}/skills").status_code == 403


def test_concurrent_events_issue_one_badge(app, make_user, pass_lessons, attend):
    """Ten events arrive at once, each finding the criteria met: one badge."""
    resident = make_user()
    pass_lessons(resident, leave=1)
    attend(resident)
    last = get_catalogue().course(COURSE).lessons[-1]
    from learnapp.lessons.services import record_event
    from tests.badges.conftest import right_answers

    resident_id = resident.id  # threads never touch the test's own session

    def complete(_):
        with app.app_context(), writing():
            from learnapp.auth.models import User

            user = _db.session.get(User, resident_id)
            record_event(
                user,
                get_catalogue(),
                {
                    "id": str(uuid.uuid4()),
                    "kind": "quiz",
                    "course": COURSE,
                    "lesson": last.slug,
                    "answers": right_answers(last),
                },
            )
            services.evaluate(user, COURSE)
            _db.session.commit()
            _db.session.remove()

    with ThreadPoolExecutor(max_workers=10) as pool:
        list(pool.map(complete, range(10)))
    assert _badges() == 1


def test_my_badges_page_shows_progress_toward_the_others(
    client, login, make_user, pass_lessons, attend
):
    resident = make_user()
    pass_lessons(resident, leave=2)
    login(resident)
    text = page_text(client.get("/badges/"))
    assert "Bài đã học xong: 5/7" in text
    assert "Buổi học đã tham dự: 0/1" in text
    assert text.count("Vào khóa học") == 5
