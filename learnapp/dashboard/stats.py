"""Keeping the summary tables current, and rebuilding them from the records.

Listeners (blinker signals of the features) add or remove counts inside the transaction
that changed the records; ``rebuild`` recomputes everything from the records with a few
GROUP BY statements, and a test shows that both give the same tables. Each count goes
to the area where it happened and every area above it (``area_ancestors``), on the day it
happened in the app's time zone.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Iterable
from datetime import date, datetime, timedelta

from sqlalchemy import (
    delete,
    func,
    insert,
    literal,
    literal_column,
    select,
    text,
    union_all,
    update,
)

from learnapp.areas.models import Area, AreaAncestor, AreaKind
from learnapp.attendance.models import CheckIn, SessionCourse, TrainingSession
from learnapp.attendance.services import SessionFacts
from learnapp.attendance.signals import checked_in, session_changed
from learnapp.auth.models import Role, RoleGrant, User
from learnapp.auth.signals import resident_registered
from learnapp.badges.models import Badge
from learnapp.badges.signals import badge_issued, badge_revoked
from learnapp.core.database import insert_on_conflict
from learnapp.core.time import local_zone, utc_to_local
from learnapp.dashboard.models import ALL_COURSES, AreaActive, AreaDaily, LastActive
from learnapp.extensions import db
from learnapp.lessons.models import LessonProgress, ProgressEvent, ProgressStatus
from learnapp.lessons.signals import learner_active, lesson_completed

COUNTERS = ("registered", "lessons_completed", "check_ins", "sessions", "badges", "badge_holders")


def local_day(moment: datetime) -> date:
    return utc_to_local(moment).date()


def _ancestors(area_id: int | None) -> list[int]:
    """The areas whose rows count what happened in ``area_id``: it and every area above
    it, but the country (the first of the path): the country's figures are the sum of its
    provinces' rows (``reports.stored_in``), so that events all over the country do not
    queue for one row."""
    if area_id is None:
        return []
    area = db.session.get(Area, area_id)
    return area.ancestor_ids[1:] if area else []


def _upsert(model, keys: tuple[str, ...], rows: list[dict], counters: Iterable[str]) -> None:
    """Add ``rows``' counters to existing rows (same keys) or insert them."""
    if not rows:
        return
    rows = sorted(rows, key=lambda r: tuple(r[k] for k in keys))  # one lock order: no deadlock
    statement = _upsert_statement(model, tuple(rows[0]), keys, tuple(sorted(counters)))
    db.session.connection().execute(statement, rows)


@functools.cache
def _upsert_statement(
    model, columns: tuple[str, ...], keys: tuple[str, ...], counters: tuple[str, ...]
):
    """``INSERT … ON CONFLICT (keys) DO UPDATE`` adding to ``counters``, the same SQL on
    SQLite and PostgreSQL. Written as text (typed parameters): SQLAlchemy 2.0 gives its
    ON CONFLICT constructs no cache key, so they were compiled anew on every event, a
    third of a check-in's time (docs/architecture.md, defects)."""
    return insert_on_conflict(
        model.__table__,
        columns,
        keys=keys,
        update={c: f"{{table}}.{c} + excluded.{c}" for c in counters},
    )


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
    """``user`` did something at ``moment``: move their "last active" day forward.

    Optimistic: read the day, then insert or move it only if it is still what was read
    (another transaction may have moved it in between; then look again). No row lock is
    taken when the day is already right, the usual case."""
    if not _is_counted(user):
        return
    day = local_day(moment)
    for _attempt in range(5):
        old = db.session.scalar(select(LastActive.day).where(LastActive.user_id == user.id))
        if old is not None and old >= day:
            return
        if old is None:
            moved = db.session.execute(
                _last_active_insert(), {"user_id": user.id, "day": day}
            ).first()
        else:
            moved = db.session.execute(
                update(LastActive)
                .where(LastActive.user_id == user.id, LastActive.day == old)
                .values(day=day)
                .returning(LastActive.user_id)
            ).first()
        if moved is not None:
            _move_active(_ancestors(user.home_area_id), old, day)
            return
    raise RuntimeError(f"last active day of user {user.id} kept changing")


@functools.cache
def _last_active_insert():
    return insert_on_conflict(
        LastActive.__table__, ("user_id", "day"), keys=("user_id",), returning=("user_id",)
    )


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
    touch(person, check_in.checked_in_at)
    # Last: on PostgreSQL the rows of the session's area, commune and province are
    # locked from this upsert to the commit, and every check-in there needs them.
    bump(
        _ancestors(session.area_id),
        local_day(check_in.checked_in_at),
        [ALL_COURSES, *session.course_slugs],
        check_ins=1,
    )


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
        days = Counter(
            local_day(moment)
            for moment in db.session.scalars(
                select(CheckIn.checked_in_at).where(CheckIn.session_id == session.id)
            )
        )
        for day, count in sorted(days.items()):
            bump(
                _ancestors(before.area_id),
                day,
                [ALL_COURSES, *before.course_slugs],
                check_ins=-count,
            )
            bump(
                _ancestors(after.area_id), day, [ALL_COURSES, *after.course_slugs], check_ins=count
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


def _is_resident(user_id_column):
    """Residents counted in reports (a correlated EXISTS: one index probe per person)."""
    return (
        select(RoleGrant.id)
        .where(RoleGrant.user_id == user_id_column, RoleGrant.role == Role.RESIDENT)
        .exists()
    )


def _leaf(counter: str, area, day, course):
    """The columns of one part of the rebuild: a count in ``counter``, zero elsewhere."""
    return [
        area.label("area_id"),
        day.label("day"),
        course.label("course_slug"),
        *((func.count() if c == counter else literal_column("0")).label(c) for c in COUNTERS),
    ]


def _not_the_country(area_id_column):
    """No row is written for the country (``_ancestors``)."""
    return area_id_column.not_in(select(Area.id).where(Area.kind == AreaKind.COUNTRY))


def rebuild() -> dict[str, int]:
    """Recompute every summary table from the records; returns the rows written.

    Each part counts per *leaf* area (where a person lives, where a session is held), day
    and course; one INSERT … SELECT then rolls the parts up through ``area_ancestors``.
    Nothing passes through Python, so a national rebuild is a few GROUP BYs.

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
    every = literal(ALL_COURSES)
    parts = []

    day = _local_date(User.created_at)
    parts.append(
        select(*_leaf("registered", User.home_area_id, day, every))
        .where(User.home_area_id.is_not(None), _is_resident(User.id))
        .group_by(User.home_area_id, day)
    )
    day = _local_date(LessonProgress.completed_at)
    for course in (every, LessonProgress.course_slug):
        parts.append(
            select(*_leaf("lessons_completed", User.home_area_id, day, course))
            .select_from(LessonProgress)
            .join(User, User.id == LessonProgress.user_id)
            .where(
                LessonProgress.status == ProgressStatus.COMPLETED,
                User.home_area_id.is_not(None),
                _is_resident(User.id),
            )
            .group_by(User.home_area_id, day, course)
        )
    day = _local_date(CheckIn.checked_in_at)
    parts.append(
        select(*_leaf("check_ins", TrainingSession.area_id, day, every))
        .select_from(CheckIn)
        .join(TrainingSession, TrainingSession.id == CheckIn.session_id)
        .group_by(TrainingSession.area_id, day)
    )
    parts.append(
        select(*_leaf("check_ins", TrainingSession.area_id, day, SessionCourse.course_slug))
        .select_from(CheckIn)
        .join(TrainingSession, TrainingSession.id == CheckIn.session_id)
        .join(SessionCourse, SessionCourse.session_id == TrainingSession.id)
        .group_by(TrainingSession.area_id, day, SessionCourse.course_slug)
    )
    day = _local_date(TrainingSession.starts_at)
    held = TrainingSession.cancelled_at.is_(None)
    parts.append(
        select(*_leaf("sessions", TrainingSession.area_id, day, every))
        .where(held)
        .group_by(TrainingSession.area_id, day)
    )
    parts.append(
        select(*_leaf("sessions", TrainingSession.area_id, day, SessionCourse.course_slug))
        .select_from(TrainingSession)
        .join(SessionCourse, SessionCourse.session_id == TrainingSession.id)
        .where(held)
        .group_by(TrainingSession.area_id, day, SessionCourse.course_slug)
    )
    day = _local_date(Badge.issued_at)
    valid = Badge.revoked_at.is_(None)
    for course in (every, Badge.course_slug):
        parts.append(
            select(*_leaf("badges", User.home_area_id, day, course))
            .select_from(Badge)
            .join(User, User.id == Badge.user_id)
            .where(valid, User.home_area_id.is_not(None))
            .group_by(User.home_area_id, day, course)
        )
    first = (
        select(Badge.user_id, func.min(Badge.issued_at).label("first"))
        .where(valid)
        .group_by(Badge.user_id)
        .subquery()
    )
    day = _local_date(first.c.first)
    parts.append(
        select(*_leaf("badge_holders", User.home_area_id, day, every))
        .select_from(first)
        .join(User, User.id == first.c.user_id)
        .where(User.home_area_id.is_not(None))
        .group_by(User.home_area_id, day)
    )
    leaves = union_all(*parts).subquery()
    rolled = (
        select(
            AreaAncestor.ancestor_id,
            leaves.c.day,
            leaves.c.course_slug,
            *(func.sum(leaves.c[c]) for c in COUNTERS),
        )
        .select_from(leaves)
        .join(AreaAncestor, AreaAncestor.area_id == leaves.c.area_id)
        .where(_not_the_country(AreaAncestor.ancestor_id))
        .group_by(AreaAncestor.ancestor_id, leaves.c.day, leaves.c.course_slug)
    )
    db.session.execute(
        insert(AreaDaily).from_select(["area_id", "day", "course_slug", *COUNTERS], rolled)
    )

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
    counted = (
        select(latest.c.user_id, _local_date(latest.c.at))
        .join(User, User.id == latest.c.user_id)
        .where(User.home_area_id.is_not(None), _is_resident(User.id))
    )
    db.session.execute(insert(LastActive).from_select(["user_id", "day"], counted))
    per_leaf = (
        select(User.home_area_id.label("area_id"), LastActive.day, func.count().label("n"))
        .join(User, User.id == LastActive.user_id)
        .group_by(User.home_area_id, LastActive.day)
        .subquery()
    )
    active = (
        select(AreaAncestor.ancestor_id, per_leaf.c.day, func.sum(per_leaf.c.n))
        .select_from(per_leaf)
        .join(AreaAncestor, AreaAncestor.area_id == per_leaf.c.area_id)
        .where(_not_the_country(AreaAncestor.ancestor_id))
        .group_by(AreaAncestor.ancestor_id, per_leaf.c.day)
    )
    db.session.execute(insert(AreaActive).from_select(["area_id", "day", "residents"], active))
    db.session.flush()
    # Counted afterwards: psycopg reports no row count for INSERT … SELECT (-1).
    return {
        model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
        for model in (AreaDaily, LastActive, AreaActive)
    }
