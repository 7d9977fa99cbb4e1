"""What the app holds about a person, and erasing it.

Erasure keeps the anonymous facts the coverage figures are made of (an account existed in
that residential area from that day; lessons were completed, sessions attended, badges
earned, on those days), tied to an account that no longer names anyone: so the figures,
and a rebuild of them, stay true. Everything that says who the person was is erased.
"""

from __future__ import annotations

import csv
import io
import json
import secrets

from sqlalchemy import delete, select, update

from learnapp.attendance.models import CheckIn, TrainingSession
from learnapp.auth.models import RecoveryCode, User
from learnapp.badges.models import Badge, SkillSignoff
from learnapp.core import audit
from learnapp.core.audit import AuditEntry
from learnapp.core.time import utcnow
from learnapp.extensions import db
from learnapp.lessons.loader import Catalogue
from learnapp.lessons.models import LessonProgress, ProgressEvent

ERASED_NAME = "—"


def _when(value) -> str | None:
    return None if value is None else value.isoformat(timespec="seconds") + "Z"


def export(user: User, catalogue: Catalogue, lang: str) -> dict:
    """Everything stored about ``user``, in plain words and ISO times (UTC)."""

    def course_title(slug: str) -> str:
        course = catalogue.course(slug)
        return course.title.get(lang) if course else slug

    def lesson_title(course_slug: str, slug: str) -> str:
        course = catalogue.course(course_slug)
        lesson = course.lesson(slug) if course else None
        return lesson.title.get(lang) if lesson else slug

    area = user.home_area
    places = []
    while area is not None and area.parent_id is not None:
        places.append(area.name)
        area = area.parent
    progress = db.session.scalars(
        select(LessonProgress)
        .where(LessonProgress.user_id == user.id)
        .order_by(LessonProgress.started_at)
    )
    events = db.session.scalars(
        select(ProgressEvent)
        .where(ProgressEvent.user_id == user.id)
        .order_by(ProgressEvent.occurred_at)
    )
    check_ins = db.session.execute(
        select(CheckIn, TrainingSession)
        .join(TrainingSession, TrainingSession.id == CheckIn.session_id)
        .where(CheckIn.user_id == user.id)
        .order_by(CheckIn.checked_in_at)
    )
    badges = db.session.scalars(
        select(Badge).where(Badge.user_id == user.id).order_by(Badge.issued_at)
    )
    skills = db.session.scalars(
        select(SkillSignoff).where(SkillSignoff.user_id == user.id).order_by(SkillSignoff.signed_at)
    )
    return {
        "account": {
            "name": user.name,
            "phone": user.phone,
            "birth_year": user.birth_year,
            "area": ", ".join(places),
            "language": user.locale,
            "text_size": user.text_size,
            "registered_at": _when(user.created_at),
            "privacy_notice_accepted": user.consent_version,
            "privacy_notice_accepted_at": _when(user.consented_at),
            "second_step_on": user.has_second_factor,
        },
        "lessons": [
            {
                "course": course_title(p.course_slug),
                "lesson": lesson_title(p.course_slug, p.lesson_slug),
                "status": p.status,
                "cards_read": p.last_step,
                "best_score": p.best_score,
                "questions": p.question_count,
                "started_at": _when(p.started_at),
                "completed_at": _when(p.completed_at),
            }
            for p in progress
        ],
        "learning_actions": [
            {
                "at": _when(e.occurred_at),
                "kind": e.kind,
                "course": course_title(e.course_slug),
                "lesson": lesson_title(e.course_slug, e.lesson_slug),
                "card": e.step,
                "question": e.question,
                "answer": e.answer,
                "correct": e.correct,
                "score": e.score,
            }
            for e in events
        ],
        "attendance": [
            {
                "at": _when(c.checked_in_at),
                "session": s.title,
                "place": s.place,
                "how": c.method,
            }
            for c, s in check_ins
        ],
        "badges": [
            {
                "course": course_title(b.course_slug),
                "issued_at": _when(b.issued_at),
                "public_id": b.public_id,
                "revoked_at": _when(b.revoked_at),
                "revoked_reason": b.revoked_reason,
            }
            for b in badges
        ],
        "skills_seen": [
            {"course": course_title(s.course_slug), "skill": s.skill_key, "at": _when(s.signed_at)}
            for s in skills
        ],
    }


def export_csv(data: dict) -> str:
    """The same, as one table: one row per fact, the kind of fact in the first column."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["section", "field", "value", "at"])
    for key, value in data["account"].items():
        writer.writerow(["account", key, "" if value is None else value, ""])
    for section in ("lessons", "learning_actions", "attendance", "badges", "skills_seen"):
        for row in data[section]:
            at = row.get("at") or row.get("completed_at") or row.get("issued_at") or ""
            details = {k: v for k, v in row.items() if v is not None and k != "at"}
            writer.writerow([section, "", json.dumps(details, ensure_ascii=False), at])
    return "\ufeff" + buffer.getvalue()


def erase(user: User) -> None:
    """Delete the account at its owner's request (see the module's docstring)."""
    audit.record(user, "account.erase", f"user:{user.id}")
    # Entries about this person keep what happened, not their name.
    for entry in db.session.scalars(
        select(AuditEntry).where(AuditEntry.target == f"user:{user.id}")
    ):
        facts = entry.facts
        facts.pop("name", None)
        entry.details = json.dumps(facts, ensure_ascii=False, default=str)
    db.session.execute(
        update(AuditEntry).where(AuditEntry.actor_id == user.id).values(actor_label=ERASED_NAME)
    )
    user.name = ERASED_NAME
    user.name_folded = ""
    user.phone = None
    user.secret_hash = None
    user.birth_year = None
    user.locale = None
    user.card_token = secrets.token_urlsafe(12)  # the printed card no longer finds them
    user.client_uuid = None
    user.totp_secret = None
    user.totp_last_step = None
    user.consent_version = None
    user.consented_at = None
    user.deactivated_at = utcnow()
    user.erased_at = utcnow()
    user.session_version += 1
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.execute(delete(SkillSignoff).where(SkillSignoff.user_id == user.id))
    # What they answered is theirs; that they acted, and when, is a count.
    db.session.execute(
        update(ProgressEvent)
        .where(ProgressEvent.user_id == user.id)
        .values(answer=None, correct=None)
    )
    db.session.execute(
        update(Badge).where(Badge.user_id == user.id).values(holder_name=ERASED_NAME)
    )
    db.session.flush()
