"""Training sessions at the cultural house, and who was there."""

from __future__ import annotations

import secrets
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from learnapp.areas.models import Area, Team
from learnapp.auth.models import User
from learnapp.core.time import utcnow
from learnapp.extensions import db

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: easy to read aloud


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(6))


def new_secret() -> str:
    return secrets.token_hex(32)


class TrainingSession(db.Model):
    """A session run by a community team: when, where, which courses.

    ``secret`` signs the rotating QR tokens of this session (see ``tokens.py``); ``code``
    is the 6-character code typed by those who cannot scan.
    """

    __tablename__ = "training_sessions"
    __table_args__ = (Index("ix_training_sessions_area_starts", "area_id", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    place: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime] = mapped_column(index=True)
    ends_at: Mapped[datetime]
    code: Mapped[str] = mapped_column(String(6), unique=True, default=new_code)
    secret: Mapped[str] = mapped_column(String(64), default=new_secret)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    cancelled_at: Mapped[datetime | None]

    area: Mapped[Area] = relationship(lazy="joined")
    team: Mapped[Team | None] = relationship()
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    courses: Mapped[list[SessionCourse]] = relationship(
        cascade="all, delete-orphan", order_by="SessionCourse.course_slug"
    )

    @property
    def course_slugs(self) -> list[str]:
        return [c.course_slug for c in self.courses]

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None


class SessionCourse(db.Model):
    __tablename__ = "session_courses"
    __table_args__ = (UniqueConstraint("session_id", "course_slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("training_sessions.id", ondelete="CASCADE"), index=True
    )
    course_slug: Mapped[str] = mapped_column(String(60), index=True)


class Method(StrEnum):
    SELF_SCAN = "self_scan"  # the resident scanned the trainer's rotating QR
    CARD_SCAN = "card_scan"  # the trainer scanned the resident's card
    CODE = "code"  # the resident typed the session code
    MANUAL = "manual"  # the trainer found the resident by name (or registered them)


class CheckIn(db.Model):
    """One resident present at one session, recorded once (``session_id, user_id``), by
    one action (``client_uuid``, made on the device that recorded it)."""

    __tablename__ = "check_ins"
    __table_args__ = (UniqueConstraint("session_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_uuid: Mapped[str] = mapped_column(String(36), unique=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("training_sessions.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    method: Mapped[str] = mapped_column(String(12))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    checked_in_at: Mapped[datetime]
    received_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    recorded_by: Mapped[User | None] = relationship(foreign_keys=[recorded_by_id])
