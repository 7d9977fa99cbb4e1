"""Summary tables for coverage reports, kept current as things happen (``stats.py``) and
recomputed from the records by ``flask stats rebuild``.

Every figure is counted for the area where it happened and for each area above it, so
that a page reads one row per area shown, never the raw events.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from learnapp.areas.models import Area
from learnapp.core.time import utcnow
from learnapp.extensions import db

ALL_COURSES = ""  # the course_slug of the rows that count every course together


class AreaDaily(db.Model):
    """What happened on one day in one area (its whole subtree), for one course or all."""

    __tablename__ = "area_daily"

    area_id: Mapped[int] = mapped_column(
        ForeignKey("areas.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    course_slug: Mapped[str] = mapped_column(String(60), primary_key=True)
    registered: Mapped[int] = mapped_column(default=0)  # residents who registered
    lessons_completed: Mapped[int] = mapped_column(default=0)
    check_ins: Mapped[int] = mapped_column(default=0)  # attendances at sessions held here
    sessions: Mapped[int] = mapped_column(default=0)  # sessions held here (not cancelled)
    badges: Mapped[int] = mapped_column(default=0)  # badges issued (and not revoked)
    badge_holders: Mapped[int] = mapped_column(default=0)  # residents' first valid badge


class AreaActive(db.Model):
    """Residents of an area whose latest activity fell on ``day``: the residents active
    in the last 30 days are the sum over the last 30 days."""

    __tablename__ = "area_active"

    area_id: Mapped[int] = mapped_column(
        ForeignKey("areas.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    residents: Mapped[int] = mapped_column(default=0)


class LastActive(db.Model):
    """The day of each resident's latest learning action or check-in."""

    __tablename__ = "last_active"
    __table_args__ = (Index("ix_last_active_day", "day"),)

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return "hvs_" + secrets.token_urlsafe(32)


class ApiClient(db.Model):
    """A system allowed to read coverage figures of one area's subtree. Only a hash of its
    token is kept; the token is shown once, when the client is created."""

    __tablename__ = "api_clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    area: Mapped[Area] = relationship(lazy="joined")

    @property
    def label(self) -> str:
        return f"API: {self.name}"
