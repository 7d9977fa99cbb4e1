"""Earning badges: one service checks a course's criteria whenever learning, attendance or
a sign-off changes, and issues the badge once.

Criteria (``lessons/<course>/course.yml``, ``badge``): every lesson passed and at least
``sessions`` attended sessions that covered the course; or every practical skill signed
off by a trainer. A badge is issued once per person and course (unique revision 1, so two
events at the same moment cannot make two); a revoked badge is re-issued only by an
official.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, literal, select, union_all
from sqlalchemy.exc import IntegrityError

from learnapp.areas.models import Area
from learnapp.attendance.models import CheckIn, SessionCourse, TrainingSession
from learnapp.attendance.services import commune_of
from learnapp.attendance.signals import checked_in
from learnapp.auth.models import User
from learnapp.badges.models import Badge, SkillSignoff
from learnapp.badges.signals import badge_issued, badge_revoked
from learnapp.core.errors import UserError
from learnapp.core.text import clean_name, short_name
from learnapp.core.time import utcnow
from learnapp.extensions import db
from learnapp.lessons.loader import Catalogue, Course, get_catalogue
from learnapp.lessons.models import LessonProgress, ProgressStatus
from learnapp.lessons.signals import lesson_completed

BASIS_LEARNING = "learning"
BASIS_SKILLS = "skills"
REASON_MAX = 500


@dataclass
class Standing:
    """Where a person stands toward one course's badge."""

    course: Course
    lessons_done: int = 0
    sessions_attended: int = 0
    skills_done: set[str] = field(default_factory=set)
    badge: Badge | None = None  # the latest badge, revoked or not

    @property
    def lessons_total(self) -> int:
        return len(self.course.lessons)

    @property
    def by_learning(self) -> bool:
        return (
            self.lessons_done >= self.lessons_total
            and self.sessions_attended >= self.course.badge.sessions
        )

    @property
    def by_skills(self) -> bool:
        keys = {s.key for s in self.course.badge.skills}
        return bool(keys) and keys <= self.skills_done

    @property
    def held(self) -> Badge | None:
        return self.badge if self.badge and not self.badge.is_revoked else None


def standings(user: User, catalogue: Catalogue, only: str | None = None) -> list[Standing]:
    """Every course's standing for ``user`` (or just course ``only``), in four queries."""
    courses = [c for c in catalogue.courses if only in (None, c.slug)]
    result = {c.slug: Standing(c) for c in courses}
    slugs = list(result)
    for slug, count in _lessons_done(user, slugs).items():
        result[slug].lessons_done = count
    attended = db.session.execute(
        select(SessionCourse.course_slug, func.count(func.distinct(CheckIn.session_id)))
        .join(CheckIn, CheckIn.session_id == SessionCourse.session_id)
        .join(TrainingSession, TrainingSession.id == CheckIn.session_id)
        .where(
            CheckIn.user_id == user.id,
            SessionCourse.course_slug.in_(slugs),
            TrainingSession.cancelled_at.is_(None),
        )
        .group_by(SessionCourse.course_slug)
    )
    for slug, count in attended:
        result[slug].sessions_attended = count
    for slug, key in db.session.execute(
        select(SkillSignoff.course_slug, SkillSignoff.skill_key).where(
            SkillSignoff.user_id == user.id, SkillSignoff.course_slug.in_(slugs)
        )
    ):
        result[slug].skills_done.add(key)
    for badge in db.session.scalars(
        select(Badge)
        .where(Badge.user_id == user.id, Badge.course_slug.in_(slugs))
        .order_by(Badge.revision)
    ):
        result[badge.course_slug].badge = badge  # the last revision wins
    return [result[c.slug] for c in courses]


def _lessons_done(user: User, slugs: list[str]) -> dict[str, int]:
    """Lessons passed by ``user`` in each of the courses ``slugs`` (absent: none)."""
    return dict(db.session.execute(_lessons_passed(user, slugs)).all())


def _lessons_passed(user: User, slugs: list[str], *label):
    """(course, [*label,] lessons passed) for each course of ``slugs`` with any."""
    return (
        select(LessonProgress.course_slug, *label, func.count())
        .where(
            LessonProgress.user_id == user.id,
            LessonProgress.course_slug.in_(slugs),
            LessonProgress.status == ProgressStatus.COMPLETED,
        )
        .group_by(LessonProgress.course_slug)
    )


def evaluate(user: User, course_slug: str) -> Badge | None:
    """Issue ``user``'s badge for the course if they have just met its criteria."""
    catalogue = get_catalogue()
    if catalogue.course(course_slug) is None:
        return None
    (standing,) = standings(user, catalogue, only=course_slug)
    if standing.badge is not None:  # issued already (revoked ones wait for an official)
        return None
    if standing.by_learning:
        return _issue(user, course_slug, BASIS_LEARNING, revision=1)
    if standing.by_skills:
        return _issue(user, course_slug, BASIS_SKILLS, revision=1)
    return None


def _issue(user: User, course_slug: str, basis: str, revision: int) -> Badge | None:
    commune = commune_of(user.home_area) if user.home_area else None
    if commune is None:
        return None
    badge = Badge(
        user_id=user.id,
        course_slug=course_slug,
        basis=basis,
        revision=revision,
        holder_name=short_name(user.name),
        area_id=commune.id,
        team_id=_team_for(user, course_slug),
    )
    try:
        with db.session.begin_nested():
            db.session.add(badge)
    except IntegrityError:  # issued by another event at the same moment
        return None
    badge_issued.send(badge)
    return badge


def _team_for(user: User, course_slug: str) -> int | None:
    """The team of the last session the person attended that covered the course."""
    return db.session.scalar(
        select(TrainingSession.team_id)
        .join(CheckIn, CheckIn.session_id == TrainingSession.id)
        .join(SessionCourse, SessionCourse.session_id == TrainingSession.id)
        .where(
            CheckIn.user_id == user.id,
            SessionCourse.course_slug == course_slug,
            TrainingSession.team_id.is_not(None),
        )
        .order_by(CheckIn.checked_in_at.desc())
        .limit(1)
    )


def by_public_id(public_id: str | None) -> Badge | None:
    if not public_id or len(public_id) > 32:
        return None
    return db.session.scalar(select(Badge).where(Badge.public_id == public_id))


def revoke(badge: Badge, *, by: User, reason: str) -> None:
    reason = clean_name(reason)
    if not reason:
        raise UserError(_l("Please give the reason for revoking the badge."), "reason")
    if len(reason) > REASON_MAX:
        raise UserError(_l("At most %(n)d characters.", n=REASON_MAX), "reason")
    if badge.is_revoked:
        raise UserError(_l("This badge is already revoked."), "reason")
    badge.revoked_at = utcnow()
    badge.revoked_reason = reason
    badge.revoked_by_id = by.id
    db.session.flush()
    badge_revoked.send(badge)


def reissue(badge: Badge, *, by: User) -> Badge:
    """A new badge (next revision, new address) replacing a revoked one, after a
    correction. The person must still meet the criteria."""
    if not badge.is_revoked:
        raise UserError(_l("Only a revoked badge can be issued again."))
    latest = db.session.scalar(
        select(func.max(Badge.revision)).where(
            Badge.user_id == badge.user_id, Badge.course_slug == badge.course_slug
        )
    )
    if latest != badge.revision:
        raise UserError(_l("This badge was already issued again."))
    person = db.session.get(User, badge.user_id)
    (standing,) = standings(person, get_catalogue(), only=badge.course_slug)
    basis = BASIS_LEARNING if standing.by_learning else BASIS_SKILLS if standing.by_skills else None
    if basis is None:
        raise UserError(_l("The person does not meet the badge's criteria (any more)."))
    new = _issue(person, badge.course_slug, basis, revision=badge.revision + 1)
    if new is None:
        raise UserError(_l("This badge was already issued again."))
    return new


def sign_off(
    *,
    session: TrainingSession,
    person: User,
    trainer: User,
    course_slug: str,
    skill_keys: list[str],
) -> int:
    """Record the skills a trainer saw ``person`` do; returns how many were new."""
    course = get_catalogue().course(course_slug)
    if course is None or course_slug not in session.course_slugs:
        raise UserError(_l("Choose a course of this session."), "course")
    known = {s.key for s in course.badge.skills}
    keys = [k for k in dict.fromkeys(skill_keys) if k]
    if not keys:
        raise UserError(_l("Tick at least one skill."), "skills")
    if any(k not in known for k in keys):
        raise UserError(_l("Choose skills from the list."), "skills")
    present = {
        row.skill_key
        for row in db.session.scalars(
            select(SkillSignoff).where(
                SkillSignoff.user_id == person.id, SkillSignoff.course_slug == course_slug
            )
        )
    }
    new = 0
    for key in keys:
        if key in present:
            continue
        try:
            with db.session.begin_nested():
                db.session.add(
                    SkillSignoff(
                        user_id=person.id,
                        course_slug=course_slug,
                        skill_key=key,
                        session_id=session.id,
                        signed_by_id=trainer.id,
                    )
                )
            new += 1
        except IntegrityError:
            continue
    evaluate(person, course_slug)
    return new


def unseen(user: User) -> list[Badge]:
    return list(
        db.session.scalars(
            select(Badge).where(
                Badge.user_id == user.id, Badge.seen_at.is_(None), Badge.revoked_at.is_(None)
            )
        )
    )


def mark_seen(user: User) -> None:
    for badge in unseen(user):
        badge.seen_at = utcnow()
    db.session.flush()


def badges_within(area: Area, limit: int = 200) -> list[Badge]:
    return list(
        db.session.scalars(
            select(Badge)
            .join(Badge.area)
            .where(Area.in_subtree(area))
            .order_by(Badge.issued_at.desc())
            .limit(limit)
        )
    )


# --- Listening: learning and attendance may earn a badge --------------------------------


def _on_lesson_completed(user: User, course_slug: str, **_facts) -> None:
    evaluate(user, course_slug)


def _on_checked_in(person: User, session: TrainingSession, **_facts) -> None:
    """A badge can follow a check-in only in a course whose lessons are all passed, or
    (had it not been issued then: no commune yet, a skill taken off the course) whose skills
    are all signed off. One query tells which; at the door, most people have not finished
    a course yet, and the full check (``evaluate``) is skipped for them."""
    catalogue = get_catalogue()
    courses = [c for c in map(catalogue.course, session.course_slugs) if c is not None]
    if not courses:
        return
    slugs = [c.slug for c in courses]
    lessons = _lessons_passed(person, slugs, literal("lessons"))
    skills = (
        select(SkillSignoff.course_slug, literal("skills"), func.count())
        .where(SkillSignoff.user_id == person.id, SkillSignoff.course_slug.in_(slugs))
        .group_by(SkillSignoff.course_slug)
    )
    done = {(slug, kind): n for slug, kind, n in db.session.execute(union_all(lessons, skills))}
    for course in courses:
        passed, signed = done.get((course.slug, "lessons"), 0), done.get((course.slug, "skills"), 0)
        if passed >= len(course.lessons) or signed >= len(course.badge.skills):
            evaluate(person, course.slug)


lesson_completed.connect(_on_lesson_completed)
checked_in.connect(_on_checked_in)
