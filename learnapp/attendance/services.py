"""Sessions and check-ins: the one way attendance is recorded, by every method.

``check_in`` is used by the pages (self check-in by QR or code, the trainer's manual
list) and by the sync API (card scans and door registrations queued offline). A check-in
is unique per session and resident, and each action carries a client UUID, so a replay
or a second scan records nothing new.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, lazyload

from learnapp.areas.models import Area, AreaKind, Team
from learnapp.attendance import tokens
from learnapp.attendance.models import CheckIn, Method, SessionCourse, TrainingSession, new_code
from learnapp.attendance.signals import checked_in, session_changed
from learnapp.auth import services as accounts
from learnapp.auth.models import Role, RoleGrant, User
from learnapp.core import audit
from learnapp.core.database import insert_on_conflict
from learnapp.core.errors import UserError
from learnapp.core.events import Rejected, canonical_uuid, device_time, whole_between
from learnapp.core.text import clean_name, short_name
from learnapp.core.time import utcnow
from learnapp.extensions import db

TEXT_MAX = 200
MAX_LENGTH = timedelta(hours=12)
OPEN_BEFORE = timedelta(hours=1)  # check-in opens an hour before the start
OPEN_AFTER = timedelta(hours=1)  # and closes an hour after the end
OFFLINE_MAX_AGE = timedelta(days=2)  # a queued scan older than this is not trusted


# --- Sessions -------------------------------------------------------------------------


def _text(raw: str | None, field_name: str, what) -> str:
    text = clean_name(raw)
    if not text:
        raise UserError(what, field_name)
    if len(text) > TEXT_MAX:
        raise UserError(_l("At most %(n)d characters.", n=TEXT_MAX), field_name)
    return text


def _check_times(starts_at: datetime | None, ends_at: datetime | None) -> None:
    if starts_at is None:
        raise UserError(_l("Please give the start date and time."), "starts_at")
    if ends_at is None:
        raise UserError(_l("Please give the end time."), "ends_at")
    if ends_at <= starts_at:
        raise UserError(_l("The session must end after it starts."), "ends_at")
    if ends_at - starts_at > MAX_LENGTH:
        raise UserError(_l("A session lasts at most 12 hours."), "ends_at")


def _check_courses(course_slugs: list[str], known: set[str]) -> list[str]:
    slugs = [s for s in dict.fromkeys(course_slugs) if s]
    if not slugs:
        raise UserError(_l("Choose at least one course that the session covers."), "courses")
    if any(s not in known for s in slugs):
        raise UserError(_l("Choose courses from the list."), "courses")
    return slugs


def save_session(
    session: TrainingSession | None,
    *,
    creator: User,
    area: Area | None,
    team: Team | None,
    title: str,
    place: str,
    starts_at: datetime | None,
    ends_at: datetime | None,
    course_slugs: list[str],
    known_courses: set[str],
) -> TrainingSession:
    """Create a session (``session`` None) or change one. The caller has checked that
    ``area`` and ``team`` lie within the creator's area."""
    if area is None or area.kind not in (AreaKind.COMMUNE, AreaKind.RESIDENTIAL):
        raise UserError(_l("Choose the commune or residential area of the session."), "area")
    title = _text(title, "title", _l("Please give the session a title."))
    place = _text(place, "place", _l("Please say where the session takes place."))
    _check_times(starts_at, ends_at)
    slugs = _check_courses(course_slugs, known_courses)
    if team is not None and not team.area.is_within(
        area.parent if area.kind == AreaKind.RESIDENTIAL else area
    ):
        raise UserError(_l("Choose a team of this commune."), "team")
    before = None
    if session is None:
        session = TrainingSession(created_by=creator, code=_unique_code())
        db.session.add(session)
    else:
        _lock(session)
        before = SessionFacts.of(session)
    session.area, session.team, session.title, session.place = area, team, title, place
    session.starts_at, session.ends_at = starts_at, ends_at
    # Keep the rows of courses that stay: replacing them all would insert a (session,
    # course) pair before the old one is deleted, against the unique constraint.
    kept = {c.course_slug: c for c in session.courses}
    session.courses = [kept.get(slug) or SessionCourse(course_slug=slug) for slug in slugs]
    db.session.flush()
    session_changed.send(session, before=before, after=SessionFacts.of(session))
    return session


@dataclass(frozen=True)
class SessionFacts:
    """What counts in reports about a session: where, when, which courses, who ran it.
    ``of`` gives None for a cancelled session (it was not held)."""

    area_id: int
    starts_at: datetime
    course_slugs: tuple[str, ...]
    created_by_id: int

    @classmethod
    def of(cls, session: TrainingSession) -> SessionFacts | None:
        if session.is_cancelled:
            return None
        return cls(
            session.area_id, session.starts_at, tuple(session.course_slugs), session.created_by_id
        )


def _unique_code() -> str:
    for _ in range(20):
        code = new_code()
        if (
            db.session.scalar(select(TrainingSession.id).where(TrainingSession.code == code))
            is None
        ):
            return code
    raise RuntimeError("no free session code")  # 31^6 codes: never in practice


def _lock(session: TrainingSession) -> None:
    """Lock the session's row and read it again before changing what its counts depend
    on (area, time, courses): check-ins being recorded finish first (``_read_again``)."""
    db.session.refresh(session, with_for_update={"of": TrainingSession})


def cancel_session(session: TrainingSession) -> None:
    _lock(session)
    before = SessionFacts.of(session)
    session.cancelled_at = session.cancelled_at or utcnow()
    db.session.flush()
    if before is not None:
        session_changed.send(session, before=before, after=None)


def commune_of(area: Area) -> Area:
    return area.parent if area.kind == AreaKind.RESIDENTIAL and area.parent else area


def sessions_within(
    scope: Area, *, upcoming: bool, now: datetime | None = None, limit: int = 50
) -> list[TrainingSession]:
    """Sessions in ``scope``'s subtree: still to come or running (``upcoming``), or past."""
    now = now or utcnow()
    query = select(TrainingSession).join(TrainingSession.area).where(Area.in_subtree(scope))
    if upcoming:
        query = query.where(TrainingSession.ends_at >= now).order_by(TrainingSession.starts_at)
    else:
        query = query.where(TrainingSession.ends_at < now).order_by(
            TrainingSession.starts_at.desc()
        )
    return list(db.session.scalars(query.limit(limit)))


def upcoming_for_resident(user: User, now: datetime | None = None, limit: int = 3):
    """The next sessions in the resident's commune, not cancelled."""
    if user.home_area is None:
        return []
    return [
        s
        for s in sessions_within(
            commune_of(user.home_area), upcoming=True, now=now, limit=limit + 5
        )
        if not s.is_cancelled
    ][:limit]


def open_for_check_in(session: TrainingSession, moment: datetime) -> bool:
    return (
        not session.is_cancelled
        and session.starts_at - OPEN_BEFORE <= moment <= session.ends_at + OPEN_AFTER
    )


def by_code(code: str | None) -> TrainingSession | None:
    code = "".join((code or "").upper().split())
    if len(code) != 6:
        return None
    return db.session.scalar(select(TrainingSession).where(TrainingSession.code == code))


# --- Check-ins ------------------------------------------------------------------------


@dataclass
class Outcome:
    status: str  # recorded | already | duplicate | rejected
    reason: Any = None
    person: User | None = None
    check_in: CheckIn | None = None
    extra: dict = field(default_factory=dict)

    def as_dict(self, *, full_name: bool) -> dict[str, Any]:
        result: dict[str, Any] = {"status": self.status}
        if self.reason is not None:
            result["reason"] = str(self.reason)
        if self.person is not None:
            result["name"] = self.person.name if full_name else short_name(self.person.name)
        result.update(self.extra)
        return result


def check_in(
    session: TrainingSession,
    person: User,
    *,
    method: Method,
    client_uuid: str,
    recorded_by: User | None,
    at: datetime,
) -> Outcome:
    """Record that ``person`` was at ``session``. A replayed action (same UUID) or a
    second check-in of the same person records nothing new."""
    values = {
        "client_uuid": client_uuid,
        "session_id": session.id,
        "user_id": person.id,
        "method": method,
        "recorded_by_id": recorded_by.id if recorded_by else None,
        "checked_in_at": at,
        "received_at": utcnow(),
    }
    # The usual case first: one INSERT, no look-ups; a repeat inserts nothing.
    new_id = db.session.execute(_insert_check_in(), values).scalar()
    if new_id is None:
        existing = db.session.scalar(select(CheckIn).where(CheckIn.client_uuid == client_uuid))
        if existing is not None:  # this very action, sent again
            return Outcome(
                "duplicate", person=db.session.get(User, existing.user_id), check_in=existing
            )
        here = db.session.scalar(
            select(CheckIn).where(CheckIn.session_id == session.id, CheckIn.user_id == person.id)
        )
        return Outcome("already", person=person, check_in=here)
    _read_again(session)
    # The row as saved, not read back. Left out of the ORM session: a rollback (a retried
    # write) must leave nothing behind, and the listeners only read its values.
    row = CheckIn(id=new_id, **values)
    checked_in.send(person, session=session, check_in=row)
    return Outcome("recorded", person=person, check_in=row)


def _read_again(session: TrainingSession) -> None:
    """The session's area and courses as they are now, for the counts of a check-in just
    inserted. Read after the INSERT: its foreign key holds the session's row (PostgreSQL:
    KEY SHARE) while ``save_session`` locks it FOR UPDATE, so a change of area or courses
    either commits first, and is seen here, or waits for this check-in and then moves its
    counts; on SQLite the write lock puts them in order. (What was read before the write
    transaction may be out of date by then.)"""
    db.session.execute(
        select(TrainingSession)
        .where(TrainingSession.id == session.id)
        .options(joinedload(TrainingSession.courses))
        .execution_options(populate_existing=True)
    ).unique().one()


@functools.cache
def _insert_check_in():
    columns = ("client_uuid", "session_id", "user_id", "method", "recorded_by_id")
    return insert_on_conflict(
        CheckIn.__table__, (*columns, "checked_in_at", "received_at"), returning=("id",)
    )


def resident_by_card(card_token: str | None) -> User | None:
    if not card_token or len(card_token) > 32:
        return None
    return db.session.scalar(
        select(User)
        .options(lazyload(User.grants))  # a resident: no need for their roles here
        .where(
            User.card_token == card_token,
            User.deactivated_at.is_(None),
            User.id.in_(select(RoleGrant.user_id).where(RoleGrant.role == Role.RESIDENT)),
        )
    )


def card_token_from_scan(text: str) -> str | None:
    """The card token in what a scanner read: ``https://host/u/<token>`` or the token."""
    text = (text or "").strip()
    if "/u/" in text:
        text = text.rsplit("/u/", 1)[1]
    text = text.split("?")[0].split("#")[0].strip("/")
    return text or None


def roster(session: TrainingSession) -> list[CheckIn]:
    return list(
        db.session.scalars(
            select(CheckIn)
            .where(CheckIn.session_id == session.id)
            .order_by(CheckIn.checked_in_at.desc(), CheckIn.id.desc())
        )
    )


def count_checked_in(session: TrainingSession) -> int:
    return (
        db.session.scalar(
            select(func.count()).select_from(CheckIn).where(CheckIn.session_id == session.id)
        )
        or 0
    )


def register_at_door(
    *,
    session: TrainingSession,
    trainer: User,
    client_uuid: str,
    name: str,
    birth_year: int | None,
    area: Area | None,
    phone: str | None,
) -> User:
    """A newcomer registered by a trainer at the door (idempotent on ``client_uuid``)."""
    known = db.session.scalar(select(User).where(User.client_uuid == client_uuid))
    if known is not None:
        return known
    person = accounts.register_resident(
        name=name, area=area, phone=phone or None, birth_year=birth_year, created_by=trainer
    )
    person.client_uuid = client_uuid
    audit.record(trainer, "resident.create", f"user:{person.id}", session=session.id)
    db.session.flush()
    return person


# --- Reports ----------------------------------------------------------------------------


@dataclass
class Activity:
    name: str
    area: str
    sessions: int = 0
    people: int = 0
    trainers: int = 0


def activity(scope: Area, start: datetime, end: datetime) -> tuple[list[Activity], list[Activity]]:
    """Per trainer and per team, within ``scope`` and [start, end): sessions held (not
    cancelled) and people checked in at them."""
    held = (
        select(TrainingSession.id, TrainingSession.created_by_id, TrainingSession.team_id)
        .join(TrainingSession.area)
        .where(
            Area.in_subtree(scope),
            TrainingSession.cancelled_at.is_(None),
            TrainingSession.starts_at >= start,
            TrainingSession.starts_at < end,
        )
        .subquery()
    )
    people = (
        select(held.c.id, func.count(CheckIn.id).label("people"))
        .select_from(held)
        .outerjoin(CheckIn, CheckIn.session_id == held.c.id)
        .group_by(held.c.id)
        .subquery()
    )
    rows = db.session.execute(
        select(held.c.created_by_id, held.c.team_id, people.c.people).join(
            people, people.c.id == held.c.id
        )
    ).all()
    trainers: dict[int, Activity] = {}
    teams: dict[int, Activity] = {}
    team_trainers: dict[int, set[int]] = {}
    users = {
        u.id: u
        for u in db.session.scalars(
            select(User).where(User.id.in_({r.created_by_id for r in rows}))
        )
    }
    team_rows = {
        t.id: t
        for t in db.session.scalars(
            select(Team).where(Team.id.in_({r.team_id for r in rows if r.team_id}))
        )
    }
    for creator_id, team_id, count in rows:
        user = users[creator_id]
        item = trainers.setdefault(
            creator_id,
            Activity(user.name, user.responsibility_area.name if user.responsibility_area else ""),
        )
        item.sessions += 1
        item.people += count
        if team_id:
            team = team_rows[team_id]
            entry = teams.setdefault(team_id, Activity(team.name, team.area.name))
            entry.sessions += 1
            entry.people += count
            team_trainers.setdefault(team_id, set()).add(creator_id)
    for team_id, entry in teams.items():
        entry.trainers = len(team_trainers[team_id])
    order = lambda a: (-a.sessions, a.name)  # noqa: E731
    return sorted(trainers.values(), key=order), sorted(teams.values(), key=order)


def session_window_tokens(session: TrainingSession, now: datetime) -> tuple[int, list[str]]:
    """(first window, tokens) for the trainer's phone, from now to an hour after the end."""
    start, end = tokens.schedule_span(now, session.starts_at, session.ends_at)
    return tokens.window_at(start), tokens.schedule(session.id, session.secret, start, end)


# --- Events from devices (the sync API) ---------------------------------------------------


def _session_for(actor: User, value: Any) -> TrainingSession:
    session = db.session.get(TrainingSession, value) if whole_between(value, 1, 2**31) else None
    if session is None:
        raise Rejected(_l("There is no such session."))
    if not actor.is_staff or not actor.may_manage(session.area):
        raise Rejected(_l("This session is not in your area."))
    return session


def _checked_moment(data: dict[str, Any], now: datetime) -> datetime:
    moment = device_time(data.get("at"), now)
    if moment < now - OFFLINE_MAX_AGE:
        raise Rejected(_l("This was saved on the phone too long ago to be recorded."))
    return moment


def _open(session: TrainingSession, moment: datetime) -> None:
    if session.is_cancelled:
        raise Rejected(_l("This session was cancelled."))
    if not open_for_check_in(session, moment):
        raise Rejected(_l("Check-in for this session is closed."))


def record_event(actor: User | None, kind: str, data: dict[str, Any]) -> Outcome:
    """One check-in event from a device: ``token`` (a resident scanned the trainer's QR),
    ``card`` (a trainer scanned a resident's card), ``manual`` (picked from the list) or
    ``register`` (a newcomer registered at the door). Never raises for bad input."""
    step = prepare_event(actor, kind, data)
    return step if isinstance(step, Outcome) else step()


WriteStep = Callable[[], Outcome]


def prepare_event(actor: User | None, kind: str, data: dict[str, Any]) -> Outcome | WriteStep:
    """Check an event with reads only; return the rejection, or the write to make.

    The sync API looks things up first and writes in a short transaction of its own, so
    that writers hold SQLite's write lock for one INSERT, not for every look-up.
    """
    now = utcnow()
    try:
        client_uuid = canonical_uuid(data.get("id"))
        if actor is None:
            raise Rejected(_l("Please sign in first."))
        moment = _checked_moment(data, now)
        if kind == "token":
            session = _session_for_token(str(data.get("token") or ""), moment)
            return partial(
                _write_check_in, session, actor, Method.SELF_SCAN, client_uuid, None, moment
            )
        session = _session_for(actor, data.get("session"))
        _open(session, moment)
        if kind == "card":
            person = resident_by_card(card_token_from_scan(str(data.get("card") or "")))
            if person is None:
                raise Rejected(_l("This card is not known, or it has been replaced."))
            return partial(
                _write_check_in, session, person, Method.CARD_SCAN, client_uuid, actor, moment
            )
        if kind == "manual":
            person = (
                db.session.get(User, data["person"])
                if whole_between(data.get("person"), 1, 2**31)
                else None
            )
            if person is None or not person.is_active or not person.has_role(Role.RESIDENT):
                raise Rejected(_l("There is no such resident."))
            return partial(
                _write_check_in, session, person, Method.MANUAL, client_uuid, actor, moment
            )
        if kind == "register":
            area = (
                db.session.get(Area, data["area"])
                if whole_between(data.get("area"), 1, 2**31)
                else None
            )
            if area is None or not actor.may_manage(area):
                raise Rejected(_l("Please choose the resident's residential area."))
            birth_year = data.get("birth_year")
            if birth_year in ("", None):
                birth_year = None
            elif not whole_between(birth_year, 1900, now.year):
                raise Rejected(_l("Please enter a year of birth between 1900 and now."))
            return partial(
                _write_registration,
                session,
                actor,
                client_uuid,
                moment,
                area,
                str(data.get("name") or ""),
                birth_year,
                str(data.get("phone") or "") or None,
            )
        raise Rejected(_l("Unknown kind of event."))
    except Rejected as rejected:
        return Outcome("rejected", reason=rejected.reason)


def _write_check_in(session, person, method, client_uuid, recorded_by, moment) -> Outcome:
    return check_in(
        session, person, method=method, client_uuid=client_uuid, recorded_by=recorded_by, at=moment
    )


def _write_registration(
    session, trainer, client_uuid, moment, area, name, birth_year, phone
) -> Outcome:
    try:
        with db.session.begin_nested():
            person = register_at_door(
                session=session,
                trainer=trainer,
                client_uuid=client_uuid,
                name=name,
                birth_year=birth_year,
                area=area,
                phone=phone,
            )
    except UserError as error:
        return Outcome("rejected", reason=error.message)
    except IntegrityError:  # the same registration, sent twice at the same moment
        person = db.session.scalar(select(User).where(User.client_uuid == client_uuid))
        if person is None:
            raise
    outcome = check_in(
        session,
        person,
        method=Method.MANUAL,
        client_uuid=str(uuid.uuid5(uuid.UUID(client_uuid), "check-in")),
        recorded_by=trainer,
        at=moment,
    )
    outcome.extra["person"] = person.id
    return outcome


def _session_for_token(text: str, moment: datetime) -> TrainingSession:
    verdict, session = judge_token(text, moment)
    if verdict != "ok":
        raise Rejected(TOKEN_PROBLEMS[verdict])
    return session


TOKEN_PROBLEMS = {
    "invalid": _l("This QR code is not a check-in code of Học vụ số."),
    "expired": _l("This QR code has expired: it changes every 20 seconds."),
    "cancelled": _l("This session was cancelled."),
    "closed": _l("Check-in for this session is closed."),
}


def judge_token(text: str, moment: datetime) -> tuple[str, TrainingSession | None]:
    """("ok", session), or a problem ("invalid", "expired", "cancelled", "closed") for a
    token scanned at ``moment``."""
    try:
        token = tokens.parse(text)
    except tokens.BadToken:
        return "invalid", None
    session = db.session.get(TrainingSession, token.session_id)
    if session is None or not tokens.signed_by(token, session.secret):
        return "invalid", None
    if session.is_cancelled:
        return "cancelled", session
    if not tokens.fresh_at(token, moment):
        return "expired", session
    if not open_for_check_in(session, moment):
        return "closed", session
    return "ok", session
