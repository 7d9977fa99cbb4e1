"""Learning progress: one row per event (replay-safe), one summary row per learner and lesson."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from learnapp.core.time import utcnow
from learnapp.extensions import db


class EventKind(StrEnum):
    OPENED = "opened"  # tapped Start
    STEP = "step"  # reached a card (1-based)
    ANSWER = "answer"  # answered one quiz question
    QUIZ = "quiz"  # finished the quiz with a score (passed or not)
    COMPLETED = "completed"  # passed the quiz: the lesson is done


class ProgressEvent(db.Model):
    """Something a learner did in a lesson, as it happened on their device.

    ``client_uuid`` is made by the device (or the page) once per action, so a replay of
    the same action, a double tap or a re-sent offline queue records nothing new.
    """

    __tablename__ = "progress_events"
    __table_args__ = (Index("ix_progress_events_user_lesson", "user_id", "lesson_slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_uuid: Mapped[str] = mapped_column(String(36), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    course_slug: Mapped[str] = mapped_column(String(60))
    lesson_slug: Mapped[str] = mapped_column(String(60))
    kind: Mapped[str] = mapped_column(String(12))
    step: Mapped[int | None]
    question: Mapped[int | None]
    answer: Mapped[str | None] = mapped_column(String(10))
    correct: Mapped[bool | None]
    score: Mapped[int | None]
    occurred_at: Mapped[datetime]
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class ProgressStatus(StrEnum):
    STARTED = "started"
    COMPLETED = "completed"


class LessonProgress(db.Model):
    """Where a learner stands in a lesson, kept current by ``services.record_event``."""

    __tablename__ = "lesson_progress"
    __table_args__ = (UniqueConstraint("user_id", "lesson_slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    course_slug: Mapped[str] = mapped_column(String(60), index=True)
    lesson_slug: Mapped[str] = mapped_column(String(60))
    status: Mapped[str] = mapped_column(String(12), default=ProgressStatus.STARTED)
    last_step: Mapped[int] = mapped_column(default=0)
    best_score: Mapped[int | None]
    question_count: Mapped[int] = mapped_column(default=0)
    started_at: Mapped[datetime]
    completed_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def is_completed(self) -> bool:
        return self.status == ProgressStatus.COMPLETED
