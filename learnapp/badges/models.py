"""Badges earned by residents, and the practical skills trainers sign off."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from learnapp.areas.models import Area, Team
from learnapp.auth.models import User
from learnapp.core.time import utcnow
from learnapp.extensions import db


def new_public_id() -> str:
    return secrets.token_urlsafe(16)  # 128 random bits: the badge's public address


class Badge(db.Model):
    """One course's badge, held by one resident.

    Issued once per person and course (``revision`` 1, unique); a revoked badge may be
    re-issued by an official after a correction, as the next revision. ``public_id``
    makes ``/b/<public_id>``, the page anyone can open to verify it.
    """

    __tablename__ = "badges"
    __table_args__ = (UniqueConstraint("user_id", "course_slug", "revision"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=new_public_id)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    course_slug: Mapped[str] = mapped_column(String(60), index=True)
    revision: Mapped[int] = mapped_column(default=1)
    basis: Mapped[str] = mapped_column(String(12))  # "learning" or "skills"
    holder_name: Mapped[str] = mapped_column(String(120))  # shortened: "Hoàng Thị T."
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"), index=True)  # the commune
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    seen_at: Mapped[datetime | None]  # when the holder first saw the good news
    revoked_at: Mapped[datetime | None]
    revoked_reason: Mapped[str | None] = mapped_column(Text)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    area: Mapped[Area] = relationship(lazy="joined")
    team: Mapped[Team | None] = relationship()

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class SkillSignoff(db.Model):
    """A practical skill of a course that a trainer saw a resident do, at a session."""

    __tablename__ = "skill_signoffs"
    __table_args__ = (UniqueConstraint("user_id", "course_slug", "skill_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    course_slug: Mapped[str] = mapped_column(String(60))
    skill_key: Mapped[str] = mapped_column(String(60))
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("training_sessions.id", ondelete="SET NULL")
    )
    signed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    signed_at: Mapped[datetime] = mapped_column(default=utcnow)
