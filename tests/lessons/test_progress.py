"""Progress: events once each, a summary kept current, resume, visitors' progress merged."""

import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from learnapp.extensions import db as _db
from learnapp.lessons import services
from learnapp.lessons.loader import get_catalogue
from learnapp.lessons.models import LessonProgress, ProgressEvent
from learnapp.lessons.signals import lesson_completed

COURSE, LESSON = "thanh-toan", "quet-vietqr"  # 6 cards, 4 questions, pass mark 3
RIGHT = ["0", "false", "false", "0"]


def _event(kind, **fields):
    return {"id": str(uuid.uuid4()), "course": COURSE, "lesson": LESSON, "kind": kind, **fields}


def _count(model) -> int:
    return _db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def learner(make_user):
    return make_user()


def test_steps_then_a_passed_quiz_complete_the_lesson(app, learner):
    catalogue = get_catalogue()
    completions = []
    with lesson_completed.connected_to(lambda user, **kw: completions.append(kw)):
        for step in (1, 2, 3):
            services.record_event(learner, catalogue, _event("step", step=step))
        outcome = services.record_event(learner, catalogue, _event("quiz", answers=RIGHT))
    assert outcome.status == "recorded" and outcome.completed and outcome.score == 4
    progress = _db.session.scalar(select(LessonProgress))
    assert progress.is_completed and progress.best_score == 4 and progress.last_step == 6
    assert [c["lesson_slug"] for c in completions] == [LESSON]
    kinds = _db.session.scalars(select(ProgressEvent.kind).order_by(ProgressEvent.id)).all()
    assert kinds == ["step", "step", "step", "quiz", "completed"]


def test_a_failed_quiz_keeps_the_lesson_open(app, learner):
    outcome = services.record_event(
        learner, get_catalogue(), _event("quiz", answers=["1", "true", "true", "0"])
    )
    assert outcome.score == 1 and outcome.passed is False and not outcome.completed
    assert not _db.session.scalar(select(LessonProgress)).is_completed


def test_replaying_events_three_times_records_each_once(app, learner):
    catalogue = get_catalogue()
    events = [
        _event("opened"),
        _event("step", step=1),
        _event("answer", question=0, answer="0"),
        _event("quiz", answers=RIGHT),
    ]
    outcomes = [services.record_event(learner, catalogue, e) for _ in range(3) for e in events]
    assert [o.status for o in outcomes] == ["recorded"] * 4 + ["duplicate"] * 8
    _db.session.commit()
    assert _count(ProgressEvent) == 5  # four events and one completion
    assert _count(LessonProgress) == 1


def test_completing_twice_signals_once(app, learner):
    catalogue = get_catalogue()
    completions = []
    with lesson_completed.connected_to(lambda user, **kw: completions.append(kw)):
        services.record_event(learner, catalogue, _event("quiz", answers=RIGHT))
        services.record_event(learner, catalogue, _event("quiz", answers=RIGHT))
    assert len(completions) == 1
    assert _db.session.scalar(select(LessonProgress)).best_score == 4


def test_concurrent_replays_record_once(app, learner):
    """The same batch sent three times at once (a phone retrying) is recorded once."""
    client = app.test_client()
    client.post("/login", data={"phone": learner.phone, "secret": "246810"})
    cookie = client.get_cookie("session").value
    batch = {
        "events": [{"type": "lesson.step", **_event("step", step=s)} for s in (1, 2, 3)]
        + [{"type": "lesson.quiz", **_event("quiz", answers=RIGHT)}]
    }

    def send(_):
        other = app.test_client()
        other.set_cookie("session", cookie)
        response = other.post("/api/v1/sync", json=batch)
        assert response.json["signed_in"] is True
        return sorted(r["status"] for r in response.json["results"])

    with ThreadPoolExecutor(max_workers=3) as pool:
        answers = list(pool.map(send, range(3)))
    # Each event was recorded by exactly one of the three requests.
    assert sum(a.count("recorded") for a in answers) == 4
    assert sum(a.count("duplicate") for a in answers) == 8
    _db.session.rollback()  # end the test's own read snapshot
    assert _count(ProgressEvent) == 5
    assert _count(LessonProgress) == 1
    assert _db.session.scalar(select(LessonProgress)).is_completed


@pytest.mark.parametrize(
    ("event", "reason"),
    [
        ({"id": "not-a-uuid", "kind": "opened"}, "không phải là UUID"),
        ({"kind": "opened", "lesson": "khong-co"}, "Không có bài học này"),
        ({"kind": "flying"}, "Loại sự kiện không xác định"),
        ({"kind": "step", "step": 99}, "không có thẻ đó"),
        ({"kind": "step", "step": "2"}, "không có thẻ đó"),
        ({"kind": "step", "step": True}, "không có thẻ đó"),
        ({"kind": "answer", "question": 7, "answer": "0"}, "không có câu hỏi đó"),
        (
            {"kind": "answer", "question": 0, "answer": "9"},
            "không phải là một trong các câu trả lời",
        ),
        ({"kind": "quiz", "answers": ["0"]}, "không khớp"),
        ({"kind": "quiz"}, "Thiếu các câu trả lời"),
        ({"kind": "completed"}, "chỉ hoàn thành khi"),
        ({"kind": "opened", "at": "hôm qua"}, "Không đọc được thời điểm"),
    ],
)
def test_bad_events_are_rejected_with_a_reason_and_store_nothing(app, learner, event, reason):
    data = {**_event("opened"), **event}
    outcome = services.record_event(learner, get_catalogue(), data)
    assert outcome.status == "rejected"
    assert reason in str(outcome.reason)
    assert _count(ProgressEvent) == 0 and _count(LessonProgress) == 0


def test_device_times_are_kept_within_bounds(app, learner):
    from datetime import timedelta

    from learnapp.core.time import utcnow

    catalogue = get_catalogue()
    services.record_event(learner, catalogue, _event("opened", at="2020-01-01T00:00:00Z"))
    services.record_event(
        learner, catalogue, _event("step", step=1, at="2099-01-01T00:00:00+07:00")
    )
    times = _db.session.scalars(select(ProgressEvent.occurred_at).order_by(ProgressEvent.id)).all()
    now = utcnow()
    assert now - timedelta(days=91) < times[0] < now - timedelta(days=89)
    assert abs((times[1] - now).total_seconds()) < 60


def test_resume_point_and_continue(app, learner):
    catalogue = get_catalogue()
    course = catalogue.course(COURSE)
    assert services.resume_point(course, {})[0].slug == "ung-dung-ngan-hang"
    services.record_event(learner, catalogue, _event("step", step=2))
    progress = services.progress_for(learner)
    lesson, step = services.resume_point(course, progress)
    assert (lesson.slug, step) == ("ung-dung-ngan-hang", 0)  # the first lesson comes first
    _course, lesson, step = services.continue_point(learner, catalogue, progress)
    assert (lesson.slug, step) == (LESSON, 3)  # but home continues where they were
    services.record_event(learner, catalogue, _event("step", step=6))
    _c, lesson, step = services.continue_point(learner, catalogue, services.progress_for(learner))
    assert step == 7  # all cards read: straight to the questions


def test_visitor_progress_merges_once_into_the_account(app, learner):
    catalogue = get_catalogue()
    store = {}
    services.visitor_record(store, catalogue, _event("step", step=2))
    services.visitor_record(store, catalogue, _event("quiz", answers=["0", "false", "true", "0"]))
    assert store[LESSON] == [COURSE, 6, 3, 1]
    assert services.merge_visitor_progress(learner, catalogue, store) == 1
    assert services.merge_visitor_progress(learner, catalogue, store) == 1
    _db.session.commit()
    progress = _db.session.scalar(select(LessonProgress))
    assert progress.is_completed and progress.best_score == 3
    assert _count(ProgressEvent) == 3  # step, quiz, completion: not doubled
