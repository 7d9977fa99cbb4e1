"""The audit log: who did what to personal data, and every export of figures."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column

from learnapp.core.database import end_read, writing
from learnapp.core.time import utcnow
from learnapp.extensions import db


class AuditEntry(db.Model):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    actor_label: Mapped[str] = mapped_column(String(120))  # kept if the account goes
    action: Mapped[str] = mapped_column(String(40), index=True)
    target: Mapped[str] = mapped_column(String(200))
    details: Mapped[str] = mapped_column(Text, default="{}")

    @property
    def facts(self) -> dict[str, Any]:
        return json.loads(self.details or "{}")


def record(actor, action: str, target: str, **details: Any) -> AuditEntry:
    """Add an entry for ``actor`` (a user, or any object with a ``label``; None: the system)."""
    entry = AuditEntry(
        actor_id=getattr(actor, "id", None) if getattr(actor, "is_authenticated", False) else None,
        actor_label=(getattr(actor, "label", None) or getattr(actor, "name", None) or "system"),
        action=action,
        target=target[:200],
        details=json.dumps(details, ensure_ascii=False, default=str),
    )
    db.session.add(entry)
    db.session.flush()
    return entry


PAGE_SIZE = 100


def latest(action: str | None = None, page: int = 1) -> tuple[list[AuditEntry], bool]:
    """A page of entries, newest first, and whether there are more."""
    query = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    if action:
        query = query.where(AuditEntry.action == action)
    rows = list(db.session.scalars(query.offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)))
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE


def actions() -> list[str]:
    return list(
        db.session.scalars(select(AuditEntry.action).distinct().order_by(AuditEntry.action))
    )


def record_after_read(actor, action: str, target: str, **details: Any) -> None:
    """Record and commit at the end of a page that only read (an export, a report): the
    reads' transaction ends first, and the entry is written in a short one of its own, so
    that on SQLite a page view never tries to turn a stale read into a write."""
    end_read()
    with writing():
        record(actor, action, target, **details)
        db.session.commit()
