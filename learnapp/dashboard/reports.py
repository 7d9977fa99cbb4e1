"""Coverage figures for an area and its children, read from the summary tables."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select

from learnapp.areas.models import Area, AreaAncestor, AreaKind
from learnapp.attendance.models import TrainingSession
from learnapp.core.time import local_to_utc, utc_to_local, utcnow
from learnapp.dashboard.models import ALL_COURSES, AreaActive, AreaDaily
from learnapp.extensions import db
from learnapp.lessons.loader import get_catalogue

EPOCH = date(2025, 1, 1)  # the campaign's first day: nothing is older
ACTIVE_DAYS = 30


@dataclass
class Period:
    start: date
    end: date
    course: str = ALL_COURSES  # "" for every course

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


@dataclass
class Figures:
    area: Area
    target: int = 0
    registered: int = 0
    active: int = 0
    sessions: int = 0
    check_ins: int = 0
    lessons_completed: int = 0
    badges: int = 0
    covered: int = 0  # residents with at least one badge (of the course, if one is chosen)
    trainers_active: int | None = None
    badges_by_course: dict[str, int] = field(default_factory=dict)

    @property
    def registered_pct(self) -> float | None:
        return 100 * self.registered / self.target if self.target else None

    @property
    def coverage_pct(self) -> float | None:
        return 100 * self.covered / self.target if self.target else None

    def as_dict(self) -> dict:
        return {
            "code": self.area.code,
            "name": self.area.name,
            "kind": self.area.kind,
            "target_population": self.target,
            "registered": self.registered,
            "registered_pct": _round(self.registered_pct),
            "active_30_days": self.active,
            "sessions_held": self.sessions,
            "attendances": self.check_ins,
            "lessons_completed": self.lessons_completed,
            "badges": self.badges,
            "residents_with_badge": self.covered,
            "coverage_pct": _round(self.coverage_pct),
            **(
                {"trainers_active": self.trainers_active}
                if self.trainers_active is not None
                else {}
            ),
            **({"badges_by_course": self.badges_by_course} if self.badges_by_course else {}),
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def stored_in(areas: list[Area]) -> dict[int, list[int]]:
    """The areas whose summary rows hold each area's counts: its own, except the
    country's, which are the sum of its provinces' rows. No row of the country is written
    (``dashboard/stats.py``): every event in the country would add to that one row, and
    on PostgreSQL its writers would queue for it one after another."""
    result = {a.id: [a.id] for a in areas}
    for area in areas:
        if area.kind == AreaKind.COUNTRY:
            result[area.id] = list(
                db.session.scalars(select(Area.id).where(Area.parent_id == area.id))
            )
    return result


def figures(areas: list[Area], period: Period, today: date) -> dict[int, Figures]:
    """Figures for each area, in four indexed queries over the summary tables."""
    result = {a.id: Figures(a, target=a.target_total) for a in areas}
    readers: dict[int, list[Figures]] = {}  # a row's area -> the figures it adds to
    for area_id, stored in stored_in(areas).items():
        for source in stored:
            readers.setdefault(source, []).append(result[area_id])
    ids = list(readers)
    if not ids:
        return result

    def add(query, *names: str) -> None:
        for area_id, *values in db.session.execute(query):
            for item in readers[area_id]:
                for name, value in zip(names, values, strict=True):
                    setattr(item, name, getattr(item, name) + int(value or 0))

    add(
        select(
            AreaDaily.area_id,
            func.sum(AreaDaily.sessions),
            func.sum(AreaDaily.check_ins),
            func.sum(AreaDaily.lessons_completed),
            func.sum(AreaDaily.badges),
        )
        .where(
            AreaDaily.area_id.in_(ids),
            AreaDaily.course_slug == period.course,
            AreaDaily.day.between(period.start, period.end),
        )
        .group_by(AreaDaily.area_id),
        "sessions",
        "check_ins",
        "lessons_completed",
        "badges",
    )
    # Registered and covered: everyone up to the end of the period.
    so_far = AreaDaily.area_id.in_(ids), AreaDaily.day <= period.end
    if period.course == ALL_COURSES:
        add(
            select(
                AreaDaily.area_id, func.sum(AreaDaily.registered), func.sum(AreaDaily.badge_holders)
            )
            .where(*so_far, AreaDaily.course_slug == ALL_COURSES)
            .group_by(AreaDaily.area_id),
            "registered",
            "covered",
        )
    else:
        add(
            select(AreaDaily.area_id, func.sum(AreaDaily.registered))
            .where(*so_far, AreaDaily.course_slug == ALL_COURSES)
            .group_by(AreaDaily.area_id),
            "registered",
        )
        add(
            select(AreaDaily.area_id, func.sum(AreaDaily.badges))
            .where(*so_far, AreaDaily.course_slug == period.course)
            .group_by(AreaDaily.area_id),
            "covered",
        )
    add(
        select(AreaActive.area_id, func.sum(AreaActive.residents))
        .where(AreaActive.area_id.in_(ids), AreaActive.day > today - timedelta(days=ACTIVE_DAYS))
        .group_by(AreaActive.area_id),
        "active",
    )
    return result


def badges_by_course(area: Area, period: Period) -> dict[str, int]:
    rows = db.session.execute(
        select(AreaDaily.course_slug, func.sum(AreaDaily.badges))
        .where(
            AreaDaily.area_id.in_(stored_in([area])[area.id]),
            AreaDaily.course_slug != ALL_COURSES,
            AreaDaily.day.between(period.start, period.end),
        )
        .group_by(AreaDaily.course_slug)
    )
    return {slug: int(n or 0) for slug, n in rows}


def trainers_active(area: Area, period: Period) -> int:
    """Trainers who ran at least one session in the area in the period (a distinct count
    over the area's sessions: shown for communes and residential areas)."""
    start = local_to_utc(datetime.combine(period.start, time.min))
    end = local_to_utc(datetime.combine(period.end + timedelta(days=1), time.min))
    return (
        db.session.scalar(
            select(func.count(func.distinct(TrainingSession.created_by_id)))
            .join(AreaAncestor, AreaAncestor.area_id == TrainingSession.area_id)
            .where(
                AreaAncestor.ancestor_id == area.id,
                TrainingSession.cancelled_at.is_(None),
                TrainingSession.starts_at >= start,
                TrainingSession.starts_at < end,
            )
        )
        or 0
    )


@dataclass
class Week:
    start: date
    lessons_completed: int = 0
    check_ins: int = 0
    badges: int = 0


def weekly_trend(area: Area, course: str, today: date, weeks: int = 12) -> list[Week]:
    """The last ``weeks`` weeks (Monday to Sunday), oldest first."""
    monday = today - timedelta(days=today.weekday())
    first = monday - timedelta(weeks=weeks - 1)
    result = [Week(first + timedelta(weeks=i)) for i in range(weeks)]
    rows = db.session.execute(
        select(
            AreaDaily.day, AreaDaily.lessons_completed, AreaDaily.check_ins, AreaDaily.badges
        ).where(
            AreaDaily.area_id.in_(stored_in([area])[area.id]),
            AreaDaily.course_slug == course,
            AreaDaily.day >= first,
            AreaDaily.day <= today,
        )
    )
    for day, lessons, check_ins, badges in rows:
        week = result[(_as_date(day) - first).days // 7]
        week.lessons_completed += lessons
        week.check_ins += check_ins
        week.badges += badges
    return result


def _as_date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def children_of(area: Area) -> list[Area]:
    return list(
        db.session.scalars(select(Area).where(Area.parent_id == area.id).order_by(Area.name))
    )


def naive_figures(area: Area, period: Period) -> dict[str, int]:
    """The same headline figures straight from the records (GROUP BY over raw events):
    what the summary tables save; used by the benchmark for comparison only."""
    from learnapp.attendance.models import CheckIn
    from learnapp.auth.models import Role, RoleGrant, User
    from learnapp.badges.models import Badge
    from learnapp.lessons.models import LessonProgress, ProgressStatus

    resident = (
        select(RoleGrant.id)
        .where(RoleGrant.user_id == User.id, RoleGrant.role == Role.RESIDENT)
        .exists()
    )
    in_area = (
        select(User)
        .join(AreaAncestor, AreaAncestor.area_id == User.home_area_id)
        .where(AreaAncestor.ancestor_id == area.id, resident)
    )
    registered = db.session.scalar(in_area.with_only_columns(func.count()))
    lessons = db.session.scalar(
        in_area.with_only_columns(func.count())
        .join(LessonProgress, LessonProgress.user_id == User.id)
        .where(LessonProgress.status == ProgressStatus.COMPLETED)
    )
    covered = db.session.scalar(
        in_area.with_only_columns(func.count(func.distinct(Badge.user_id)))
        .join(Badge, Badge.user_id == User.id)
        .where(Badge.revoked_at.is_(None))
    )
    check_ins = db.session.scalar(
        select(func.count())
        .select_from(CheckIn)
        .join(TrainingSession, TrainingSession.id == CheckIn.session_id)
        .join(AreaAncestor, AreaAncestor.area_id == TrainingSession.area_id)
        .where(AreaAncestor.ancestor_id == area.id)
    )
    return {
        "registered": registered,
        "lessons_completed": lessons,
        "covered": covered,
        "check_ins": check_ins,
    }


def today() -> date:
    return utc_to_local(utcnow()).date()


def period_from(args) -> Period:
    """The filters: course, and a date range (from the campaign's start to today)."""
    catalogue = get_catalogue()
    course = args.get("course", "")
    if catalogue.course(course) is None:
        course = ALL_COURSES
    end, start = today(), EPOCH
    for name in ("from", "to"):
        try:
            value = date.fromisoformat(args.get(name, ""))
        except ValueError:
            continue
        if name == "from":
            start = max(value, EPOCH)
        else:
            end = min(value, today())
    if start > end:
        start = end
    return Period(start=start, end=end, course=course)
