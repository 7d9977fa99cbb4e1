"""Recording learning progress: the one way in for pages and for the sync API.

``record_event`` takes one event as plain values, checks it against the lesson it names,
stores it once (its client UUID makes replays harmless), keeps the learner's summary for
the lesson current, and sends ``lesson_completed`` the first time a lesson is passed.
Visitors (not signed in) keep the same summary in a small dict on their device (the
session cookie); ``merge_visitor_progress`` moves it into their account at sign-in.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from learnapp.auth.models import User
from learnapp.core.events import Rejected, canonical_uuid, device_time, whole_between
from learnapp.core.time import utcnow
from learnapp.extensions import db
from learnapp.lessons.loader import Catalogue, Course, Lesson
from learnapp.lessons.models import EventKind, LessonProgress, ProgressEvent, ProgressStatus
from learnapp.lessons.signals import learner_active, lesson_completed

MAX_AGE = timedelta(days=90)  # an offline queue older than this is not trusted for time
VISITOR_KEY = "visitor_progress"  # the session key of a visitor's progress on the device
MERGE_NAMESPACE = uuid.UUID("3f1e4a52-7d5b-4c1c-9c1e-6b8f7a2d9e10")


@dataclass
class Outcome:
    status: str  # "recorded", "duplicate" or "rejected"
    reason: str | None = None
    completed: bool = False  # this event completed the lesson (first time)
    score: int | None = None
    passed: bool | None = None
    correct: bool | None = None

    def as_dict(self) -> dict[str, Any]:
        result: dict[str, Any] = {"status": self.status}
        for key in ("reason", "score", "passed", "correct"):
            value = getattr(self, key)
            if value is not None:
                result[key] = str(value) if key == "reason" else value
        if self.completed:
            result["completed"] = True
        return result


def parse_time(value: Any, now: datetime) -> datetime:
    """The device's time of the action, no older than ``MAX_AGE`` (older queues keep their
    order but not their date)."""
    return max(device_time(value, now), now - MAX_AGE)


@dataclass
class Checked:
    """An event that passed every check, ready to store."""

    client_uuid: str
    lesson: Lesson
    kind: EventKind
    occurred_at: datetime
    step: int | None = None
    question: int | None = None
    answer: str | None = None
    correct: bool | None = None
    score: int | None = None
    passed: bool | None = None


def check_event(catalogue: Catalogue, data: dict[str, Any], now: datetime) -> Checked:
    """Check one event's fields against the lesson it names; raise ``Rejected``."""
    client_uuid = canonical_uuid(data.get("id"))
    course = catalogue.course(str(data.get("course") or ""))
    lesson = course.lesson(str(data.get("lesson") or "")) if course else None
    if lesson is None:
        raise Rejected(_l("There is no such lesson."))
    try:
        kind = EventKind(data.get("kind"))
    except ValueError:
        raise Rejected(_l("Unknown kind of event.")) from None
    if kind == EventKind.COMPLETED:
        raise Rejected(_l("A lesson is completed by passing its quiz."))
    checked = Checked(
        client_uuid=client_uuid,
        lesson=lesson,
        kind=kind,
        occurred_at=parse_time(data.get("at"), now),
    )
    if kind == EventKind.STEP:
        step = data.get("step")
        if not whole_between(step, 1, len(lesson.steps)):
            raise Rejected(_l("There is no such card in this lesson."))
        checked.step = step
    elif kind == EventKind.ANSWER:
        question = data.get("question")
        questions = lesson.quiz.questions
        if not whole_between(question, 0, len(questions) - 1):
            raise Rejected(_l("There is no such question in this lesson."))
        verdict = questions[question].judge(str(data.get("answer", "")))
        if verdict is None:
            raise Rejected(_l("That is not one of the answers."))
        checked.question, checked.answer, checked.correct = (
            question,
            str(data["answer"]),
            verdict.correct,
        )
    elif kind == EventKind.QUIZ:
        answers = data.get("answers")
        if not isinstance(answers, list):
            raise Rejected(_l("The quiz answers are missing."))
        score = lesson.quiz.score([str(a) for a in answers])
        if score is None:
            raise Rejected(_l("The quiz answers do not fit the questions."))
        checked.score, checked.passed = score, lesson.quiz.passed(score)
    return checked


def record_event(user: User, catalogue: Catalogue, data: dict[str, Any]) -> Outcome:
    """Record one event for ``user``. Never raises for bad input: a bad event comes back
    ``rejected`` with a reason, and nothing of it is stored."""
    now = utcnow()
    try:
        checked = check_event(catalogue, data, now)
    except Rejected as rejected:
        return Outcome("rejected", reason=rejected.reason)
    if db.session.scalar(
        select(ProgressEvent.id).where(ProgressEvent.client_uuid == checked.client_uuid)
    ):
        return Outcome("duplicate")
    try:
        with db.session.begin_nested():
            db.session.add(_event(user, checked, checked.kind, checked.client_uuid))
    except IntegrityError:
        return Outcome("duplicate")  # the same event arrived at the same moment
    learner_active.send(user, at=checked.occurred_at)
    completed = _update_summary(user, checked, now)
    if completed:
        completion_uuid = str(uuid.uuid5(uuid.UUID(checked.client_uuid), "completed"))
        with db.session.begin_nested():
            db.session.add(_event(user, checked, EventKind.COMPLETED, completion_uuid))
        lesson_completed.send(
            user,
            course_slug=checked.lesson.course_slug,
            lesson_slug=checked.lesson.slug,
            completed_at=checked.occurred_at,
        )
    db.session.flush()
    return Outcome(
        "recorded",
        completed=completed,
        score=checked.score,
        passed=checked.passed,
        correct=checked.correct,
    )


def _event(user: User, checked: Checked, kind: EventKind, client_uuid: str) -> ProgressEvent:
    return ProgressEvent(
        client_uuid=client_uuid,
        user_id=user.id,
        course_slug=checked.lesson.course_slug,
        lesson_slug=checked.lesson.slug,
        kind=kind,
        step=checked.step,
        question=checked.question,
        answer=checked.answer,
        correct=checked.correct,
        score=checked.score,
        occurred_at=checked.occurred_at,
    )


def _summary_for_update(user: User, lesson: Lesson, now: datetime) -> LessonProgress:
    """The learner's summary row for ``lesson``, locked for this transaction, created if new."""
    query = (
        select(LessonProgress)
        .where(LessonProgress.user_id == user.id, LessonProgress.lesson_slug == lesson.slug)
        .with_for_update()
    )
    progress = db.session.scalar(query)
    if progress is None:
        try:
            with db.session.begin_nested():
                progress = LessonProgress(
                    user_id=user.id,
                    course_slug=lesson.course_slug,
                    lesson_slug=lesson.slug,
                    status=ProgressStatus.STARTED,
                    last_step=0,
                    started_at=now,
                    updated_at=now,
                    question_count=len(lesson.quiz.questions),
                )
                db.session.add(progress)
        except IntegrityError:
            progress = db.session.scalar(query.execution_options(populate_existing=True))
    return progress


def _update_summary(user: User, checked: Checked, now: datetime) -> bool:
    """Fold one event into the summary; True when it completed the lesson just now.

    Every change is monotonic (furthest card, best score, completed stays completed), so
    the summary does not depend on the order in which offline events arrive.
    """
    lesson = checked.lesson
    progress = _summary_for_update(user, lesson, now)
    progress.started_at = min(progress.started_at, checked.occurred_at)
    progress.updated_at = now
    if checked.step is not None:
        progress.last_step = max(progress.last_step, checked.step)
    if checked.kind == EventKind.QUIZ:
        progress.last_step = len(lesson.steps)
        progress.best_score = max(progress.best_score or 0, checked.score or 0)
        progress.question_count = len(lesson.quiz.questions)
        if checked.passed and not progress.is_completed:
            progress.status = ProgressStatus.COMPLETED
            progress.completed_at = checked.occurred_at
            return True
    return False


# --- Reading progress ------------------------------------------------------------------


@dataclass
class ProgressView:
    """What the pages need to know about one lesson, for accounts and visitors alike."""

    status: str
    last_step: int
    best_score: int | None

    @property
    def is_completed(self) -> bool:
        return self.status == ProgressStatus.COMPLETED


def progress_for(user: User) -> dict[str, ProgressView]:
    rows = db.session.scalars(select(LessonProgress).where(LessonProgress.user_id == user.id))
    return {
        row.lesson_slug: ProgressView(row.status, row.last_step, row.best_score) for row in rows
    }


def resume_point(course: Course, progress: dict[str, ProgressView]) -> tuple[Lesson, int] | None:
    """The next unfinished place in ``course``: (lesson, card number; 0 = its start page,
    len(steps) + 1 = its quiz), or None when every lesson is done."""
    for lesson in course.lessons:
        view = progress.get(lesson.slug)
        if view is None:
            return lesson, 0
        if not view.is_completed:
            return lesson, min(view.last_step + 1, len(lesson.steps) + 1)
    return None


def continue_point(
    user: User, catalogue: Catalogue, progress: dict[str, ProgressView]
) -> tuple[Course, Lesson, int] | None:
    """Where to pick up: the lesson touched most recently and not finished, else the
    first unfinished place in the catalogue's order; None when everything is done."""
    latest = db.session.scalar(
        select(LessonProgress)
        .where(LessonProgress.user_id == user.id, LessonProgress.status != ProgressStatus.COMPLETED)
        .order_by(LessonProgress.updated_at.desc())
        .limit(1)
    )
    if latest is not None and (course := catalogue.course(latest.course_slug)):
        lesson = course.lesson(latest.lesson_slug)
        if lesson is not None:
            return course, lesson, min(latest.last_step + 1, len(lesson.steps) + 1)
    for course in catalogue.courses:
        point = resume_point(course, progress)
        if point is not None:
            return course, *point
    return None


def completed_count(course: Course, progress: dict[str, ProgressView]) -> int:
    return sum(
        1 for lesson in course.lessons if (v := progress.get(lesson.slug)) and v.is_completed
    )


# --- Visitors: progress kept on the device ---------------------------------------------


def visitor_record(store: dict[str, list], catalogue: Catalogue, data: dict[str, Any]) -> Outcome:
    """Record a visitor's event into ``store`` ({lesson: [course, last_step, best, done]})."""
    try:
        checked = check_event(catalogue, data, utcnow())
    except Rejected as rejected:
        return Outcome("rejected", reason=rejected.reason)
    lesson = checked.lesson
    course_slug, last_step, best, done = store.get(lesson.slug, [lesson.course_slug, 0, -1, 0])
    if checked.step is not None:
        last_step = max(last_step, checked.step)
    completed = False
    if checked.kind == EventKind.QUIZ:
        last_step = len(lesson.steps)
        best = max(best, checked.score or 0)
        if checked.passed and not done:
            done, completed = 1, True
    store[lesson.slug] = [course_slug, last_step, best, done]
    return Outcome(
        "recorded",
        completed=completed,
        score=checked.score,
        passed=checked.passed,
        correct=checked.correct,
    )


def visitor_progress(store: dict[str, list]) -> dict[str, ProgressView]:
    return {
        slug: ProgressView(
            ProgressStatus.COMPLETED if done else ProgressStatus.STARTED,
            step,
            None if best < 0 else best,
        )
        for slug, (_course, step, best, done) in store.items()
    }


def merge_visitor_progress(user: User, catalogue: Catalogue, store: dict[str, list]) -> int:
    """Move a visitor's progress into ``user``'s account; returns lessons merged.

    Each lesson becomes events with ids derived from the account and the lesson, so
    merging the same device twice records nothing new.
    """
    merged = 0
    for slug, (course_slug, last_step, best, done) in store.items():
        lesson = catalogue.lesson(course_slug, slug)
        if lesson is None:
            continue
        seed = f"{user.id}:{slug}"
        if last_step:
            record_event(
                user,
                catalogue,
                {
                    "id": uuid.uuid5(MERGE_NAMESPACE, seed + ":step"),
                    "kind": "step",
                    "course": course_slug,
                    "lesson": slug,
                    "step": min(last_step, len(lesson.steps)),
                },
            )
        if done:
            answers = _passing_answers(lesson, best)
            record_event(
                user,
                catalogue,
                {
                    "id": uuid.uuid5(MERGE_NAMESPACE, seed + ":quiz"),
                    "kind": "quiz",
                    "course": course_slug,
                    "lesson": slug,
                    "answers": answers,
                },
            )
        merged += 1
    return merged


def _passing_answers(lesson: Lesson, best: int) -> list[str]:
    """Answers that reproduce a visitor's best score: right ones first, then wrong ones."""
    answers = []
    for index, question in enumerate(lesson.quiz.questions):
        right = question.right_choice().value
        wrong = next(c.value for c in question.choices() if c.value != right)
        answers.append(right if index < best else wrong)
    return answers
