"""Keeping the summary tables current, and rebuilding them from the records.

Listeners (blinker signals of the features) add or remove counts inside the transaction
that changed the records; ``rebuild`` recomputes everything from the records with a few
GROUP BY statements, and a test shows that both give the same tables. Each count goes
to the area where it happened and every area above it (``area_ancestors``), on the day it
happened in the app's time zone.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from sqlalchemy import delete, func, insert, literal, select, text, union_all
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError

from learnapp.areas.models import Area, AreaAncestor
from learnapp.attendance.models import CheckIn, SessionCourse, TrainingSession
from learnapp.attendance.services import SessionFacts
from learnapp.attendance.signals import checked_in, session_changed
from learnapp.auth.models import Role, RoleGrant, User
from learnapp.auth.signals import resident_registered
from learnapp.badges.models import Badge
from learnapp.badges.signals import badge_issued, badge_revoked
from learnapp.core.time import local_zone, utc_to_local
from learnapp.dashboard.models import ALL_COURSES, AreaActive, AreaDaily, LastActive
from learnapp.extensions import db
from learnapp.lessons.models import LessonProgress, ProgressEvent, ProgressStatus
from learnapp.lessons.signals import learner_active, lesson_completed

COUNTERS = ("registered", "lessons_completed", "check_ins", "sessions", "badges", "badge_holders")


def local_day(moment: datetime) -> date:
    return utc_to_local(moment).date()


def _ancestors(area_id: int | None) -> list[int]:
    if area_id is None:
        return []
    area = db.session.get(Area, area_id)
    return area.ancestor_ids if area else []


def _upsert(model, keys: tuple[str, ...], rows: list[dict], counters: Iterable[str]) -> None:
    """Add ``rows``' counters to existing rows (same keys) or insert them."""
    if not rows:
        return
    rows = sorted(rows, key=lambda r: tuple(r[k] for k in keys))  # one lock order: no deadlock
    dialect = db.session.get_bind().dialect.name
    build = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = build(model).values(rows)
    statement = statement.on_conflict_do_update(
        index_elements=list(keys),
        set_={c: getattr(model, c) + getattr(statement.excluded, c) for c in counters},
    )
    db.session.execute(statement)


def bump(area_ids: list[int], day: date, courses: Iterable[str], **deltas: int) -> None:
    """Add ``deltas`` (e.g. ``check_ins=1``) for each area and course on ``day``."""
    deltas = {k: v for k, v in deltas.items() if v}
    if not deltas or not area_ids:
        return
    rows = [
        {"area_id": a, "day": day, "course_slug": c, **{k: deltas.get(k, 0) for k in COUNTERS}}
        for a in area_ids
        for c in dict.fromkeys(courses)
    ]
    _upsert(AreaDaily, ("area_id", "day", "course_slug"), rows, deltas)


def _move_active(area_ids: list[int], old: date | None, new: date) -> None:
    rows = [{"area_id": a, "day": new, "residents": 1} for a in area_ids]
    if old is not None:
        rows += [{"area_id": a, "day": old, "residents": -1} for a in area_ids]
    _upsert(AreaActive, ("area_id", "day"), rows, ("residents",))


def _is_counted(user: User) -> bool:
    """Reports count residents (not staff learning for themselves) with a home area."""
    return user.home_area_id is not None and user.has_role(Role.RESIDENT)


# --- Listeners -----------------------------------------------------------------------------


def _on_registered(user: User, **_facts) -> None:
    if _is_counted(user):
        bump(_ancestors(user.home_area_id), local_day(user.created_at), [ALL_COURSES], registered=1)


def touch(user: User, moment: datetime) -> None:
    """``user`` did something at ``moment``: move their "last active" day forward."""
    if not _is_counted(user):
        return
    day = local_day(moment)
    row = db.session.scalar(
        select(LastActive).where(LastActive.user_id == user.id).with_for_update()
    )
    if row is None:
        try:
            with db.session.begin_nested():
                db.session.add(LastActive(user_id=user.id, day=day))
        except IntegrityError:  # the same person, active twice at the same moment
            return touch(user, moment)
        _move_active(_ancestors(user.home_area_id), None, day)
    elif day > row.day:
        _move_active(_ancestors(user.home_area_id), row.day, day)
        row.day = day
    return None


def _on_active(user: User, at: datetime, **_facts) -> None:
    touch(user, at)


def _on_completed(user: User, course_slug: str, completed_at: datetime, **_facts) -> None:
    if _is_counted(user):
        bump(
            _ancestors(user.home_area_id),
            local_day(completed_at),
            [ALL_COURSES, course_slug],
            lessons_completed=1,
        )


def _on_checked_in(person: User, session: TrainingSession, check_in: CheckIn, **_facts) -> None:
    bump(
        _ancestors(session.area_id),
        local_day(check_in.checked_in_at),
        [ALL_COURSES, *session.course_slugs],
        check_ins=1,
    )
    touch(person, check_in.checked_in_at)


def _on_session_changed(
    session: TrainingSession, before: SessionFacts | None, after: SessionFacts | None, **_facts
) -> None:
    for facts, sign in ((before, -1), (after, +1)):
        if facts is not None:
            bump(
                _ancestors(facts.area_id),
                local_day(facts.starts_at),
                [ALL_COURSES, *facts.course_slugs],
                sessions=sign,
            )
    # Attendances count where the session is and for the courses it covers: follow a move.
    if (
        before is not None
        and after is not None
        and (before.area_id, before.course_slugs) != (after.area_id, after.course_slugs)
    ):
        for (moment,) in db.session.execute(
            select(CheckIn.checked_in_at).where(CheckIn.session_id == session.id)
        ):
            bump(
                _ancestors(before.area_id),
                local_day(moment),
                [ALL_COURSES, *before.course_slugs],
                check_ins=-1,
            )
            bump(
                _ancestors(after.area_id),
                local_day(moment),
                [ALL_COURSES, *after.course_slugs],
                check_ins=1,
            )


def _first_valid_badge_day(user_id: int, leaving_out: int | None = None) -> date | None:
    query = select(func.min(Badge.issued_at)).where(
        Badge.user_id == user_id, Badge.revoked_at.is_(None)
    )
    if leaving_out is not None:
        query = query.where(Badge.id != leaving_out)
    first = db.session.scalar(query)
    return local_day(first) if first else None


def _holder_moves(holder: User, before: date | None, after: date | None) -> None:
    if before == after:
        return
    areas = _ancestors(holder.home_area_id)
    if before is not None:
        bump(areas, before, [ALL_COURSES], badge_holders=-1)
    if after is not None:
        bump(areas, after, [ALL_COURSES], badge_holders=1)


def _on_badge_issued(badge: Badge, **_facts) -> None:
    holder = db.session.get(User, badge.user_id)
    bump(
        _ancestors(holder.home_area_id),
        local_day(badge.issued_at),
        [ALL_COURSES, badge.course_slug],
        badges=1,
    )
    _holder_moves(
        holder,
        _first_valid_badge_day(holder.id, leaving_out=badge.id),
        _first_valid_badge_day(holder.id),
    )


def _on_badge_revoked(badge: Badge, **_facts) -> None:
    holder = db.session.get(User, badge.user_id)
    bump(
        _ancestors(holder.home_area_id),
        local_day(badge.issued_at),
        [ALL_COURSES, badge.course_slug],
        badges=-1,
    )
    day = local_day(badge.issued_at)
    after = _first_valid_badge_day(holder.id)
    before = min(d for d in (day, after) if d is not None)
    _holder_moves(holder, before, after)


resident_registered.connect(_on_registered)
learner_active.connect(_on_active)
lesson_completed.connect(_on_completed)
checked_in.connect(_on_checked_in)
session_changed.connect(_on_session_changed)
badge_issued.connect(_on_badge_issued)
badge_revoked.connect(_on_badge_revoked)


# --- Rebuild from the records ------------------------------------------------------------


def _local_date(column):
    """SQL for the local calendar day of a UTC timestamp column (a fixed offset: Vietnam
    keeps no daylight saving time)."""
    offset = local_zone().utcoffset(datetime(2026, 1, 1))
    hours = int(offset.total_seconds() // 3600)
    if db.session.get_bind().dialect.name == "postgresql":
        return func.date(column + timedelta(hours=hours))
    return func.date(column, f"{hours:+d} hours")


def _residents():
    """Ids of residents counted in reports."""
    return select(RoleGrant.user_id).where(RoleGrant.role == Role.RESIDENT)


def rebuild() -> dict[str, int]:
    """Recompute every summary table from the records; returns the rows written.

    Safe while the app runs: on PostgreSQL the summary tables are locked against writers
    (not readers) first, so an event either committed before (and is read here) or adds
    its counts after the rebuild commits; on SQLite the caller holds the write lock."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(
            text("LOCK TABLE area_daily, area_active, last_active IN EXCLUSIVE MODE")
        )
    db.session.execute(delete(AreaDaily))
    db.session.execute(delete(AreaActive))
    db.session.execute(delete(LastActive))
    resident = User.id.in_(_residents())
    home = AreaAncestor.area_id == User.home_area_id

    def leaf_counts(counter: str, selects: list):
        """INSERT the union of (area, day, course, n) selects, rolled up and summed."""
        union = union_all(*selects).subquery()
        rolled = select(
            union.c.area_id, union.c.day, union.c.course_slug, func.sum(union.c.n).label(counter)
        ).group_by(union.c.area_id, union.c.day, union.c.course_slug)
        return rolled

    parts: dict[str, list] = {c: [] for c in COUNTERS}
    day_users = _local_date(User.created_at)
    parts["registered"].append(
        select(
            AreaAncestor.ancestor_id.label("area_id"),
            day_users.label("day"),
            literal(ALL_COURSES).label("course_slug"),
            func.count().label("n"),
        )
        .select_from(User)
        .join(AreaAncestor, home)
        .where(resident)
        .group_by(AreaAncestor.ancestor_id, day_users)
    )
    day_done = _local_date(LessonProgress.completed_at)
    for course in (literal(ALL_COURSES), LessonProgress.course_slug):
        parts["lessons_completed"].append(
            select(
                AreaAncestor.ancestor_id.label("area_id"),
                day_done.label("day"),
                course.label("course_slug"),
                func.count().label("n"),
            )
            .select_from(LessonProgress)
            .join(User, User.id == LessonProgress.user_id)
            .join(AreaAncestor, home)
            .where(resident, LessonProgress.status == ProgressStatus.COMPLETED)
            .group_by(AreaAncestor.ancestor_id, day_done, course)
        )
    at_session = AreaAncestor.area_id == TrainingSession.area_id
    day_in = _local_date(CheckIn.checked_in_at)
    parts["check_ins"].append(
        select(
            AreaAncestor.ancestor_id.label("area_id"),
            day_in.label("day"),
            literal(ALL_COURSES).label("course_slug"),
            func.count().label("n"),
        )
        .select_from(CheckIn)
        .join(TrainingSession, TrainingSession.id == CheckIn.session_id)
        .join(AreaAncestor, at_session)
        .group_by(AreaAncestor.ancestor_id, day_in)
    )
    parts["check_ins"].append(
        select(
            AreaAncestor.ancestor_id.label("area_id"),
            day_in.label("day"),
            SessionCourse.course_slug.label("course_slug"),
            func.count().label("n"),
        )
        .select_from(CheckIn)
        .join(TrainingSession, TrainingSession.id == CheckIn.session_id)
        .join(SessionCourse, SessionCourse.session_id == TrainingSession.id)
        .join(AreaAncestor, at_session)
        .group_by(AreaAncestor.ancestor_id, day_in, SessionCourse.course_slug)
    )
    day_held = _local_date(TrainingSession.starts_at)
    held = TrainingSession.cancelled_at.is_(None)
    parts["sessions"].append(
        select(
            AreaAncestor.ancestor_id.label("area_id"),
            day_held.label("day"),
            literal(ALL_COURSES).label("course_slug"),
            func.count().label("n"),
        )
        .select_from(TrainingSession)
        .join(AreaAncestor, at_session)
        .where(held)
        .group_by(AreaAncestor.ancestor_id, day_held)
    )
    parts["sessions"].append(
        select(
            AreaAncestor.ancestor_id.label("area_id"),
            day_held.label("day"),
            SessionCourse.course_slug.label("course_slug"),
            func.count().label("n"),
        )
        .select_from(TrainingSession)
        .join(SessionCourse, SessionCourse.session_id == TrainingSession.id)
        .join(AreaAncestor, at_session)
        .where(held)
        .group_by(AreaAncestor.ancestor_id, day_held, SessionCourse.course_slug)
    )
    day_badge = _local_date(Badge.issued_at)
    valid = Badge.revoked_at.is_(None)
    for course in (literal(ALL_COURSES), Badge.course_slug):
        parts["badges"].append(
            select(
                AreaAncestor.ancestor_id.label("area_id"),
                day_badge.label("day"),
                course.label("course_slug"),
                func.count().label("n"),
            )
            .select_from(Badge)
            .join(User, User.id == Badge.user_id)
            .join(AreaAncestor, home)
            .where(valid)
            .group_by(AreaAncestor.ancestor_id, day_badge, course)
        )
    first = (
        select(Badge.user_id, func.min(Badge.issued_at).label("first"))
        .where(valid)
        .group_by(Badge.user_id)
        .subquery()
    )
    day_first = _local_date(first.c.first)
    parts["badge_holders"].append(
        select(
            AreaAncestor.ancestor_id.label("area_id"),
            day_first.label("day"),
            literal(ALL_COURSES).label("course_slug"),
            func.count().label("n"),
        )
        .select_from(first)
        .join(User, User.id == first.c.user_id)
        .join(AreaAncestor, home)
        .group_by(AreaAncestor.ancestor_id, day_first)
    )

    written = {}
    for counter, selects in parts.items():
        rows = [dict(r._mapping) for r in db.session.execute(leaf_counts(counter, selects))]
        for row in rows:
            row["day"] = _as_date(row["day"])
        written[counter] = len(rows)
        for chunk in range(0, len(rows), 2000):
            batch = [
                {
                    "area_id": r["area_id"],
                    "day": r["day"],
                    "course_slug": r["course_slug"],
                    **{c: (int(r[counter]) if c == counter else 0) for c in COUNTERS},
                }
                for r in rows[chunk : chunk + 2000]
            ]
            _upsert(AreaDaily, ("area_id", "day", "course_slug"), batch, (counter,))

    # Latest activity: the later of the last learning action and the last check-in.
    activity = union_all(
        select(
            ProgressEvent.user_id.label("user_id"), func.max(ProgressEvent.occurred_at).label("at")
        ).group_by(ProgressEvent.user_id),
        select(
            CheckIn.user_id.label("user_id"), func.max(CheckIn.checked_in_at).label("at")
        ).group_by(CheckIn.user_id),
    ).subquery()
    latest = (
        select(activity.c.user_id, func.max(activity.c.at).label("at"))
        .group_by(activity.c.user_id)
        .subquery()
    )
    day_latest = _local_date(latest.c.at)
    counted = (
        select(latest.c.user_id, day_latest.label("day"))
        .join(User, User.id == latest.c.user_id)
        .where(User.id.in_(_residents()), User.home_area_id.is_not(None))
    )
    db.session.execute(insert(LastActive).from_select(["user_id", "day"], counted))
    actives = db.session.execute(
        select(AreaAncestor.ancestor_id, LastActive.day, func.count())
        .join(User, User.id == LastActive.user_id)
        .join(AreaAncestor, home)
        .group_by(AreaAncestor.ancestor_id, LastActive.day)
    ).all()
    for chunk in range(0, len(actives), 2000):
        batch = actives[chunk : chunk + 2000]
        db.session.execute(
            insert(AreaActive),
            [{"area_id": a, "day": _as_date(d), "residents": n} for a, d, n in batch],
        )
    written["active"] = len(actives)
    db.session.flush()
    return written


def _as_date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))
